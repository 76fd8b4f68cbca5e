// Publish byte layout, name resolution before publishing, data types and limits.
import test from "node:test";
import assert from "node:assert/strict";
import { decode as msgpackDecode } from "@msgpack/msgpack";
import SMQ from "../src/smq.js";
import { setup, pkt, tick, T, ETID } from "../test-support/fake.js";

test("publish a string to a numeric tid: [8][tid][own etid][subtid 0][UTF-8]", () => {
  const h = setup();
  h.client.publish("hé", 0x11223344);
  assert.deepEqual(h.ws.take(), [[T.PUBLISH, 0x11, 0x22, 0x33, 0x44, ...pkt.u32(ETID), 0, 0, 0, 0, 0x68, 0xc3, 0xa9]]);
});

test("publish bytes (Uint8Array, ArrayBuffer, byte array) to self with a numeric sub-topic", () => {
  const h = setup();
  h.client.publish(new Uint8Array([1, 2]), "self", 7);
  h.client.publish(new Uint8Array([3]).buffer, "self", 7);
  h.client.publish([4, 5], "self");
  assert.deepEqual(h.ws.take(), [
    pkt.publish(ETID, ETID, 7, [1, 2]),
    pkt.publish(ETID, ETID, 7, [3]),
    pkt.publish(ETID, ETID, 0, [4, 5]),
  ]);
});

test("publish to a topic name: one Create, then the messages in call order; cache reused", () => {
  const h = setup();
  h.client.publish("a", "news");
  h.client.publish("b", "news");
  h.client.publish("c", 99); // must not overtake the two waiting for "news"
  assert.deepEqual(h.ws.take(), [pkt.create("news")]);
  h.ws.receive(pkt.createack(0, 500, "news"));
  assert.deepEqual(h.ws.take(), [pkt.publish(500, ETID, 0, "a"), pkt.publish(500, ETID, 0, "b"), pkt.publish(99, ETID, 0, "c")]);
  h.client.publish("d", "news");
  assert.deepEqual(h.ws.take(), [pkt.publish(500, ETID, 0, "d")]);
  assert.equal(h.client.topic2tid("news"), 500);
  assert.equal(h.client.tid2topic(500), "news");
});

test("publish with topic and sub-topic names resolves both (Create and Createsub pipelined)", () => {
  const h = setup();
  h.client.publish("x", "devices", "temperature");
  assert.deepEqual(h.ws.take(), [pkt.create("devices"), pkt.createsub("temperature")]);
  h.ws.receive(pkt.createack(0, 10, "devices"));
  assert.deepEqual(h.ws.take(), []);
  h.ws.receive(pkt.createsuback(0, 20, "temperature"));
  assert.deepEqual(h.ws.take(), [pkt.publish(10, ETID, 20, "x")]);
  assert.equal(h.client.subtopic2tid("temperature"), 20);
  assert.equal(h.client.tid2subtopic(20), "temperature");
});

test("a denied topic drops its waiting messages with an error; later commands proceed", () => {
  const h = setup();
  h.client.publish("a", "forbidden");
  h.client.publish("b", 42);
  h.ws.take();
  h.ws.receive(pkt.createack(1, 0, "forbidden"));
  assert.deepEqual(h.ws.take(), [pkt.publish(42, ETID, 0, "b")]);
  assert.equal(h.errors.length, 1);
  assert.equal(h.errors[0].code, "denied");
  assert.match(h.errors[0].message, /forbidden/);
  assert.equal(h.client.topic2tid("forbidden"), undefined);
});

test("pubjson, pubmsgpack and the datatype option encode the payload", () => {
  const h = setup();
  h.client.pubjson({ a: 1 }, 9);
  h.client.pubmsgpack({ a: [1, 2] }, 9, 3);
  h.client.publish({ b: true }, 9, { datatype: "json" });
  h.client.publish(12, 9, 0, { datatype: "text" });
  const sent = h.ws.take();
  assert.deepEqual(sent[0], pkt.publish(9, ETID, 0, '{"a":1}'));
  assert.deepEqual(sent[1].slice(0, 13), pkt.publish(9, ETID, 3, []));
  assert.deepEqual(msgpackDecode(Uint8Array.from(sent[1].slice(13))), { a: [1, 2] });
  assert.deepEqual(sent[2], pkt.publish(9, ETID, 0, '{"b":true}'));
  assert.deepEqual(sent[3], pkt.publish(9, ETID, 0, "12"));
});

test("payloads over 0xFFF0 bytes throw code too-large; exactly 0xFFF0 is sent", () => {
  const h = setup();
  assert.throws(() => h.client.publish(new Uint8Array(SMQ.MAX_PAYLOAD + 1), 5), (e) => e.code === "too-large");
  h.client.publish(new Uint8Array(SMQ.MAX_PAYLOAD), 5);
  assert.equal(h.ws.take()[0].length, 13 + 0xfff0);
});

test("invalid arguments throw synchronously", () => {
  const h = setup();
  assert.throws(() => h.client.publish("x", -1), TypeError);
  assert.throws(() => h.client.publish("x", 1.5), TypeError);
  assert.throws(() => h.client.publish({ not: "bytes" }, 5), TypeError);
  assert.throws(() => h.client.publish("x", 5, 0, { datatype: "xml" }), TypeError);
  assert.throws(() => h.client.subscribe("t", { datatype: "xml" }), TypeError);
  assert.deepEqual(h.ws.take(), []);
});

test("publish while never connected waits for the connection, then goes out before onconnect", async () => {
  const h = setup({}, { connect: false });
  const order = [];
  h.client.publish("early", 77);
  h.client.onconnect = () => order.push("onconnect:" + h.ws.sent.length);
  h.ws.open();
  h.ws.receive(pkt.init(1, "10.0.0.1"), pkt.connack(0, ETID));
  const sent = h.ws.take();
  assert.equal(sent[0][0], T.CONNECT);
  assert.deepEqual(sent[1], pkt.publish(77, ETID, 0, "early"));
  assert.deepEqual(order, ["onconnect:2"]);
  await tick();
});

// Subscribe/Create/Createsub, ack matching, dispatch order, data types, unsubscribe.
import test from "node:test";
import assert from "node:assert/strict";
import { encode as msgpackEncode } from "@msgpack/msgpack";
import { setup, pkt, tick, T, ETID } from "../test-support/fake.js";

const PEER = 0x7777;

test("subscribe by name: Subscribe packet, onack(true, name, tid, subtopic, 0), caches filled", async () => {
  const h = setup();
  const acks = [];
  h.client.subscribe("alerts", { onack: (...a) => acks.push(a), onmsg: () => {} });
  assert.deepEqual(h.ws.take(), [pkt.subscribe("alerts")]);
  h.ws.receive(pkt.suback(0, 1234, "alerts"));
  await tick();
  assert.deepEqual(acks, [[true, "alerts", 1234, undefined, 0]]);
  assert.equal(h.client.topic2tid("alerts"), 1234);
  assert.equal(h.client.tid2topic(1234), "alerts");
});

test("promise form: resolves to the tid; a denial rejects with code denied", async () => {
  const h = setup();
  const ok = h.client.subscribe("a");
  const no = h.client.subscribe("b");
  h.ws.receive(pkt.suback(0, 11, "a"), pkt.suback(1, 0, "b"));
  assert.equal(await ok, 11);
  await assert.rejects(no, (e) => e.code === "denied" && /"b"/.test(e.message));
});

test("callback form of a denial: onack(false, name, 0, subtopic, 0) and no callbacks kept", async () => {
  const h = setup();
  const acks = [];
  h.client.subscribe("secret", { onack: (...a) => acks.push(a), onmsg: () => assert.fail("not subscribed") });
  h.ws.receive(pkt.suback(1, 0, "secret"));
  await tick();
  assert.deepEqual(acks, [[false, "secret", 0, undefined, 0]]);
  h.ws.receive(pkt.publish(0, PEER, 0, "x"));
  assert.equal(h.messages.length, 1);
});

test("dispatch order: exact (tid, subtid) callback, then the topic catch-all, then onmsg", async () => {
  const h = setup();
  const got = [];
  h.client.subscribe("t", { onmsg: (d, ptid, tid, subtid) => got.push(["all", subtid]) });
  h.client.subscribe("t", 5, { onmsg: (d, ptid, tid, subtid) => got.push(["five", subtid]) });
  h.ws.receive(pkt.suback(0, 100, "t"), pkt.suback(0, 100, "t"));
  await tick();
  h.ws.receive(pkt.publish(100, PEER, 5, "a"), pkt.publish(100, PEER, 6, "b"), pkt.publish(100, PEER, 0, "c"), pkt.publish(200, PEER, 5, "d"));
  assert.deepEqual(got, [["five", 5], ["all", 6], ["all", 0]]);
  assert.equal(h.messages.length, 1);
  assert.equal(h.messages[0].tid, 200);
  assert.deepEqual([...h.messages[0].data], [0x64]);
});

test("string sub-topic: Createsub goes out before Subscribe; onack carries both ids", async () => {
  const h = setup();
  const acks = [];
  const got = [];
  h.client.subscribe("room", "chat", { onack: (...a) => acks.push(a), onmsg: (d, p, t, s) => got.push(s), datatype: "text" });
  assert.deepEqual(h.ws.take(), [pkt.createsub("chat"), pkt.subscribe("room")]);
  h.ws.receive(pkt.createsuback(0, 55, "chat"), pkt.suback(0, 66, "room"));
  await tick();
  assert.deepEqual(acks, [[true, "room", 66, "chat", 55]]);
  h.ws.receive(pkt.publish(66, PEER, 55, "hi"), pkt.publish(66, PEER, 56, "other"));
  assert.deepEqual(got, [55]);
  assert.equal(h.messages.length, 1); // sub-topic 56 has no callback and no catch-all
});

test("self: no Subscribe is sent; messages addressed to the own ETID reach the callback", async () => {
  const h = setup();
  const got = [];
  const tid = await h.client.subscribe("self", { onmsg: (d, ptid, t) => got.push([ptid, t, d.length]) });
  assert.equal(tid, ETID);
  assert.deepEqual(h.ws.take(), []);
  h.ws.receive(pkt.publish(ETID, PEER, 0, "abc"));
  assert.deepEqual(got, [[PEER, ETID, 3]]);
});

test("a numeric topic unknown by name registers locally; one known by name is subscribed by name", async () => {
  const h = setup();
  const got = [];
  await h.client.subscribe(4242, { onmsg: (d, p, t) => got.push(t) });
  assert.deepEqual(h.ws.take(), []);
  h.ws.receive(pkt.publish(4242, PEER, 0, "x"));
  const p = h.client.create("known");
  h.ws.take();
  h.ws.receive(pkt.createack(0, 900, "known"));
  assert.equal(await p, 900);
  h.client.subscribe(900, { onmsg: (d, pp, t) => got.push(t) });
  assert.deepEqual(h.ws.take(), [pkt.subscribe("known")]);
  h.ws.receive(pkt.suback(0, 900, "known"), pkt.publish(900, PEER, 0, "y"));
  assert.deepEqual(got, [4242, 900]);
});

test("datatypes: text, json and msgpack are decoded for the callback", async () => {
  const h = setup();
  const got = [];
  h.client.subscribe("t", 1, { datatype: "text", onmsg: (d) => got.push(d) });
  h.client.subscribe("t", 2, { datatype: "json", onmsg: (d) => got.push(d) });
  h.client.subscribe("t", 3, { datatype: "msgpack", onmsg: (d) => got.push(d) });
  h.client.subscribe("t", 4, { onmsg: (d) => got.push(d) });
  h.ws.receive(pkt.suback(0, 8, "t"), pkt.suback(0, 8, "t"), pkt.suback(0, 8, "t"), pkt.suback(0, 8, "t"));
  h.ws.receive(
    pkt.publish(8, PEER, 1, "héllo"),
    pkt.publish(8, PEER, 2, '{"n":[1,2]}'),
    pkt.publish(8, PEER, 3, msgpackEncode({ m: "x" })),
    pkt.publish(8, PEER, 4, [0, 255]),
  );
  assert.deepEqual(got.slice(0, 3), ["héllo", { n: [1, 2] }, { m: "x" }]);
  assert.ok(got[3] instanceof Uint8Array);
  assert.deepEqual([...got[3]], [0, 255]);
  assert.equal(got[3].buffer.byteLength, 2); // the payload is its own buffer
});

test("undecodable payloads fall back to onmsg with the raw bytes", async () => {
  const h = setup();
  const got = [];
  h.client.subscribe("t", 2, { datatype: "json", onmsg: (d) => got.push(d) });
  h.client.subscribe("t", 1, { datatype: "text", onmsg: (d) => got.push(d) });
  h.ws.receive(pkt.suback(0, 8, "t"), pkt.suback(0, 8, "t"));
  h.ws.receive(pkt.publish(8, PEER, 2, "{not json"), pkt.publish(8, PEER, 1, [0xff]));
  assert.deepEqual(got, []);
  assert.equal(h.messages.length, 2);
  assert.equal(new TextDecoder().decode(h.messages[0].data), "{not json");
  assert.deepEqual([...h.messages[1].data], [0xff]);
});

test("acks are matched by type and name: Createack never completes a Subscribe", async () => {
  const h = setup();
  const sub = h.client.subscribe("x");
  const cre = h.client.create("x");
  assert.deepEqual(h.ws.take(), [pkt.subscribe("x"), pkt.create("x")]);
  // Deliberately answer the Create first: only the type tells them apart.
  h.ws.receive(pkt.createack(0, 31, "x"));
  assert.equal(await cre, 31);
  let subDone = false;
  sub.then(() => (subDone = true));
  await tick();
  assert.equal(subDone, false);
  h.ws.receive(pkt.suback(0, 31, "x"));
  assert.equal(await sub, 31);
});

test("duplicate names are answered oldest-first; different names are matched by name", async () => {
  const h = setup();
  const order = [];
  h.client.subscribe("d", { onack: (ok, n, tid) => order.push(["first", ok, tid]) });
  h.client.subscribe("e", { onack: (ok, n, tid) => order.push(["e", ok, tid]) });
  h.client.subscribe("d", { onack: (ok, n, tid) => order.push(["second", ok, tid]) });
  h.ws.receive(pkt.suback(0, 1, "d"), pkt.suback(0, 2, "e"), pkt.suback(0, 1, "d"));
  await tick();
  assert.deepEqual(order, [["first", true, 1], ["e", true, 2], ["second", true, 1]]);
});

test("an ack nobody asked for is reported, not fatal", () => {
  const h = setup();
  h.ws.receive(pkt.suback(0, 1, "ghost"));
  assert.equal(h.errors[0].code, "protocol");
  assert.equal(h.client.connected, true);
});

test("subscribing again to a subscribed name adds the callback without another Subscribe", async () => {
  const h = setup();
  await Promise.all([h.client.subscribe("t"), h.ws.receive(pkt.suback(0, 3, "t"))]);
  h.ws.take();
  const got = [];
  assert.equal(await h.client.subscribe("t", 9, { onmsg: (d, p, t, s) => got.push(s) }), 3);
  assert.deepEqual(h.ws.take(), []);
  h.ws.receive(pkt.publish(3, PEER, 9, ""));
  assert.deepEqual(got, [9]);
});

test("unsubscribe: Unsubscribe(tid), callbacks gone; self never sends", async () => {
  const h = setup();
  const got = [];
  h.client.subscribe("t", { onmsg: () => got.push("t") });
  h.client.subscribe("self", { onmsg: () => got.push("self") });
  h.ws.receive(pkt.suback(0, 3, "t"));
  h.ws.take();
  h.client.unsubscribe("t");
  h.client.unsubscribe("self");
  assert.deepEqual(h.ws.take(), [pkt.unsubscribe(3)]);
  h.ws.receive(pkt.publish(3, PEER, 0, ""), pkt.publish(ETID, PEER, 0, ""));
  assert.deepEqual(got, []);
  assert.equal(h.messages.length, 2);
  h.client.unsubscribe("never-subscribed");
  assert.deepEqual(h.ws.take(), []);
});

test("unsubscribe before the Suback arrives undoes the subscription when it is acked", async () => {
  const h = setup();
  h.client.subscribe("t", { onmsg: () => assert.fail("unsubscribed") });
  h.client.unsubscribe("t");
  assert.deepEqual(h.ws.take(), [pkt.subscribe("t")]);
  h.ws.receive(pkt.suback(0, 3, "t"));
  assert.deepEqual(h.ws.take(), [pkt.unsubscribe(3)]);
  h.ws.receive(pkt.publish(3, PEER, 0, ""));
  assert.equal(h.messages.length, 1);
});

test("create and createsub: callback and promise forms; cached names answer locally", async () => {
  const h = setup();
  const acks = [];
  h.client.create("a", (...x) => acks.push(x));
  h.client.create("b", "s", (...x) => acks.push(x));
  h.client.createsub("s2", (...x) => acks.push(x));
  assert.deepEqual(h.ws.take(), [pkt.create("a"), pkt.create("b"), pkt.createsub("s"), pkt.createsub("s2")]);
  h.ws.receive(pkt.createack(0, 1, "a"), pkt.createack(0, 2, "b"), pkt.createsuback(0, 3, "s"), pkt.createsuback(1, 0, "s2"));
  await tick();
  assert.deepEqual(acks, [[true, "a", 1], [true, "b", 2, "s", 3], [false, "s2", 0]]);
  assert.equal(await h.client.create("a"), 1);
  assert.equal(await h.client.createsub("s"), 3);
  assert.deepEqual(h.ws.take(), []); // answered from the cache
  await assert.rejects(Promise.all([h.client.createsub("s2"), h.ws.receive(pkt.createsuback(1, 0, "s2"))]), (e) => e.code === "denied");
});

test("an exception in a message callback is reported and the connection carries on", async () => {
  const h = setup();
  h.client.subscribe("self", {
    onmsg: () => {
      throw new Error("app bug");
    },
  });
  h.ws.receive(pkt.publish(ETID, PEER, 0, "x"));
  assert.equal(h.errors[0].message, "app bug");
  assert.equal(h.client.connected, true);
});

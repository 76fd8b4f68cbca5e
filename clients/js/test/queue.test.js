// The bounded command queue used while not connected.
import test from "node:test";
import assert from "node:assert/strict";
import { setup, handshake, pkt, tick, recordCloses, T, ETID } from "../test-support/fake.js";

test("commands made before the first connection go out in call order after Connack", async () => {
  const h = setup({}, { connect: false });
  const acks = [];
  h.client.subscribe("a", { onack: (ok, n, tid) => acks.push([n, tid]) });
  h.client.publish("one", 7);
  h.client.observe(8, () => {});
  h.client.publish("two", "self");
  const sent = handshake(h);
  assert.equal(sent[0][0], T.CONNECT);
  assert.deepEqual(sent.slice(1), [pkt.subscribe("a"), pkt.publish(7, ETID, 0, "one"), pkt.observe(8), pkt.publish(ETID, ETID, 0, "two")]);
  h.ws.receive(pkt.suback(0, 3, "a"));
  await tick();
  assert.deepEqual(acks, [["a", 3]]);
});

test("the queue is bounded: overflow throws code queue-full and is reported; queued entries survive", () => {
  const h = setup({ maxQueue: 3 }, { connect: false });
  h.client.publish("1", 5);
  h.client.publish("2", 5);
  h.client.subscribe("s");
  assert.throws(() => h.client.publish("3", 5), (e) => e.code === "queue-full");
  assert.throws(() => h.client.subscribe("t"), (e) => e.code === "queue-full");
  assert.equal(h.errors.length, 2);
  assert.equal(h.errors[0].code, "queue-full");
  const sent = handshake(h).slice(1);
  assert.deepEqual(sent, [pkt.publish(5, ETID, 0, "1"), pkt.publish(5, ETID, 0, "2"), pkt.subscribe("s")]);
});

test("maxQueue also bounds commands waiting behind an unresolved name while connected", () => {
  const h = setup({ maxQueue: 1 });
  h.client.publish("a", "new-topic"); // waits for the Createack (entry 1)
  assert.throws(() => h.client.publish("b", 5), (e) => e.code === "queue-full");
});

test("commands made while waiting to reconnect are sent after the reconnect", async () => {
  const h = setup();
  recordCloses(h.client);
  h.ws.drop();
  h.client.publish("later", 42);
  assert.equal(h.env.sockets.length, 1);
  h.clock.advance(1000);
  assert.equal(h.env.sockets.length, 2);
  const sent = handshake(h, ETID + 1).slice(1);
  assert.deepEqual(sent, [pkt.publish(42, ETID + 1, 0, "later")]);
});

test("stopping with queued commands: promises reject with code closed, publishes reported once", async () => {
  const h = setup({ reconnect: false });
  recordCloses(h.client);
  h.ws.drop();
  // Not connected and not reconnecting: the client is closed, calls throw.
  assert.throws(() => h.client.publish("x", 1), (e) => e.code === "closed");

  const h2 = setup({}, { connect: false });
  const sub = h2.client.subscribe("a");
  h2.client.publish("x", 1);
  h2.client.publish("y", 1);
  h2.client.close();
  await assert.rejects(sub, (e) => e.code === "closed");
  assert.equal(h2.errors.length, 1);
  assert.match(h2.errors[0].message, /3 queued command/);
});

test("without onerror, overflow is reported on the console", () => {
  const h = setup({ maxQueue: 0, onerror: undefined }, { connect: false });
  h.client.onerror = null;
  const warnings = [];
  const saved = console.warn;
  console.warn = (m) => warnings.push(m);
  try {
    assert.throws(() => h.client.publish("x", 1), (e) => e.code === "queue-full");
  } finally {
    console.warn = saved;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /queue full/);
});

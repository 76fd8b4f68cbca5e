// Observe / Unobserve / Change.
import test from "node:test";
import assert from "node:assert/strict";
import { setup, pkt, tick, ETID } from "../test-support/fake.js";

const PEER = 0x5150;

test("observe an ETID: Observe(id); Change(id, 0) = client gone, observer dropped after the call", async () => {
  const h = setup();
  const seen = [];
  assert.equal(await h.client.observe(PEER, (count, who) => seen.push([count, who])), PEER);
  assert.deepEqual(h.ws.take(), [pkt.observe(PEER)]);
  h.ws.receive(pkt.change(PEER, 0), pkt.change(PEER, 0));
  assert.deepEqual(seen, [[0, PEER]]);
});

test("observe a topic name: created first, then Observe(tid); counts reported with the name", async () => {
  const h = setup();
  const seen = [];
  const p = h.client.observe("room", (count, who) => seen.push([count, who]));
  assert.deepEqual(h.ws.take(), [pkt.create("room")]);
  h.ws.receive(pkt.createack(0, 300, "room"));
  assert.equal(await p, 300);
  assert.deepEqual(h.ws.take(), [pkt.observe(300)]);
  h.ws.receive(pkt.change(300, 2), pkt.change(300, 0), pkt.change(300, 1));
  // Count 0 of a named topic is just "nobody subscribed right now": the observer stays.
  assert.deepEqual(seen, [[2, "room"], [0, "room"], [1, "room"]]);
});

test("observe by tid of a known topic reports the name and keeps the observer at 0", async () => {
  const h = setup();
  const p = h.client.create("t");
  h.ws.receive(pkt.createack(0, 77, "t"));
  await p;
  const seen = [];
  h.client.observe(77, (c, w) => seen.push([c, w]));
  h.ws.receive(pkt.change(77, 0), pkt.change(77, 4));
  assert.deepEqual(seen, [[0, "t"], [4, "t"]]);
});

test("observe self (or the own ETID) is ignored: nothing sent, promise resolves undefined", async () => {
  const h = setup();
  assert.equal(await h.client.observe("self", () => {}), undefined);
  assert.equal(await h.client.observe(ETID, () => {}), undefined);
  assert.deepEqual(h.ws.take(), []);
});

test("unobserve sends Unobserve and stops the callbacks", async () => {
  const h = setup();
  const seen = [];
  await h.client.observe(PEER, (c) => seen.push(c));
  h.client.unobserve(PEER);
  assert.deepEqual(h.ws.take(), [pkt.observe(PEER), pkt.unobserve(PEER)]);
  h.ws.receive(pkt.change(PEER, 0));
  assert.deepEqual(seen, []);
});

test("observe of a denied name rejects with code denied (and reports it)", async () => {
  const h = setup();
  const p = h.client.observe("nope", () => {});
  h.ws.receive(pkt.createack(1, 0, "nope"));
  await assert.rejects(p, (e) => e.code === "denied");
  assert.equal(h.errors.length, 1);
  assert.deepEqual(h.ws.take(), [pkt.create("nope")]);
});

test("a Change for an id nobody observes is ignored", async () => {
  const h = setup();
  h.ws.receive(pkt.change(999, 3));
  await tick();
  assert.deepEqual(h.errors, []);
  assert.equal(h.client.connected, true);
});

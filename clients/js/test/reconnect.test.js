// Backoff, onclose verdicts and the state restore after a reconnect.
import test from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "../src/smq.js";
import { setup, handshake, pkt, tick, recordCloses, T, ETID, SEED, IP } from "../test-support/fake.js";

const PEER = 0x4444;
const NEW = 0x0e0e0e0e;

test("backoffDelay: full jitter below min(max, base * 2^attempt)", () => {
  const opt = (r) => ({ reconnectDelay: 1000, maxReconnectDelay: 30000, random: () => r });
  assert.equal(backoffDelay(0, opt(0)), 0);
  assert.equal(backoffDelay(0, opt(0.5)), 500);
  assert.equal(backoffDelay(3, opt(0.5)), 4000);
  assert.equal(backoffDelay(4, opt(0.999999)), 15999);
  assert.equal(backoffDelay(5, opt(0.999999)), 29999); // 32000 capped to 30000
  assert.equal(backoffDelay(500, opt(0.5)), 15000); // huge attempt numbers stay finite
  for (let a = 0; a < 12; a++) {
    for (const r of [0, 0.25, 0.75, 0.9999]) {
      const d = backoffDelay(a, opt(r));
      assert.ok(d >= 0 && d < Math.min(30000, 1000 * 2 ** a), `attempt ${a} r ${r} -> ${d}`);
    }
  }
});

test("automatic reconnect: delays double per failed attempt (injected random) and reset on success", () => {
  const h = setup({ random: () => 0.5, reconnectDelay: 1000, maxReconnectDelay: 3000 });
  const closes = recordCloses(h.client);
  h.ws.drop();
  assert.deepEqual(h.clock.pending(), [500]);
  for (const expected of [1000, 1500, 1500]) {
    h.clock.advance(h.clock.pending()[0]);
    h.env.last().drop(); // the attempt fails before Init
    assert.deepEqual(h.clock.pending(), [expected]);
  }
  h.clock.advance(1500);
  handshake(h, ETID);
  h.ws.drop();
  assert.deepEqual(h.clock.pending(), [500]);
  assert.equal(closes.length, 5);
  assert.ok(closes.every(([, can]) => can === true));
});

test("onclose returning a number uses it (at least 1000 ms); false stops; reconnect:false stops", () => {
  const h = setup();
  recordCloses(h.client, 200);
  h.ws.drop();
  assert.deepEqual(h.clock.pending(), [1000]);
  h.clock.advance(1000);
  assert.equal(h.env.sockets.length, 2);

  const h2 = setup();
  recordCloses(h2.client, 2500);
  h2.ws.receive(pkt.disconnect("bye")); // a number even overrides "no reconnect" (reference)
  assert.deepEqual(h2.clock.pending(), [2500]);

  const h3 = setup();
  recordCloses(h3.client, false);
  h3.ws.drop();
  assert.deepEqual(h3.clock.pending(), []);

  const h4 = setup({ reconnect: false });
  recordCloses(h4.client);
  h4.ws.drop();
  assert.deepEqual(h4.clock.pending(), []);
});

test("onconnect only the first time, onreconnect(etid, seed, ip) after; the default uid is kept", () => {
  const h = setup({}, { connect: false });
  const calls = [];
  h.client.onconnect = (e) => calls.push(["connect", e]);
  h.client.onreconnect = (...a) => calls.push(["reconnect", ...a]);
  const first = handshake(h, ETID)[0];
  h.ws.drop();
  h.clock.advance(10_000);
  h.ws = h.env.last();
  h.ws.open();
  h.ws.receive(pkt.init(999, "10.1.1.1"), pkt.connack(0, NEW));
  const second = h.ws.take()[0];
  assert.deepEqual(second, first); // same uid (from the first Init), same Connect
  assert.deepEqual(calls, [["connect", ETID], ["reconnect", NEW, 999, "10.1.1.1"]]);
});

// Builds the state the restore must bring back, then reconnects with `etid`.
async function sessionWithState(etid) {
  const h = setup();
  const got = [];
  const seen = [];
  h.client.subscribe("news", { onmsg: (d, p, t, s) => got.push(["news", t, s]) });
  h.client.subscribe("news", "sport", { onmsg: (d, p, t, s) => got.push(["sport", t, s]) });
  h.client.subscribe("self", { onmsg: (d, p, t) => got.push(["self", t]) });
  h.client.create("plain", () => {});
  h.client.observe("news", (c, n) => seen.push([c, n]));
  h.client.observe(PEER, (c, n) => seen.push([c, n]));
  // observe("news") asked for a Create of its own while the Subscribe was in flight.
  const asked = h.ws.take();
  assert.deepEqual(asked, [pkt.subscribe("news"), pkt.createsub("sport"), pkt.subscribe("news"), pkt.create("plain"), pkt.create("news")]);
  h.ws.receive(pkt.suback(0, 100, "news"), pkt.createsuback(0, 7, "sport"), pkt.suback(0, 100, "news"), pkt.createack(0, 200, "plain"));
  // The Suback already named the topic: the observers went out without waiting for the Createack.
  assert.deepEqual(h.ws.take(), [pkt.observe(100), pkt.observe(PEER)]);
  h.ws.receive(pkt.createack(0, 100, "news"), pkt.change(100, 1));
  await tick();
  assert.deepEqual(seen, [[1, "news"]]);
  seen.length = 0;
  const calls = [];
  h.client.onreconnect = (e) => calls.push(["onreconnect", e, h.ws.sent.length]);
  recordCloses(h.client);
  h.ws.drop();
  h.client.publish("queued", "news"); // waits for the restore
  h.clock.advance(1000);
  const sent = handshake(h, etid).slice(1);
  return { h, got, seen, calls, sent };
}

test("reconnect with a new ETID: Createsub, Create, Subscribe re-sent; ids remapped; then Observe, queue, onreconnect", async () => {
  const { h, got, seen, calls, sent } = await sessionWithState(NEW);
  // Sub-topics first, then created-only topics, then subscriptions; nothing else yet.
  assert.deepEqual(sent, [pkt.createsub("sport"), pkt.create("plain"), pkt.subscribe("news")]);
  assert.deepEqual(calls, []);
  // A restarted broker hands out new ids.
  h.ws.receive(pkt.createsuback(0, 70, "sport"), pkt.createack(0, 201, "plain"), pkt.suback(0, 101, "news"));
  assert.deepEqual(h.ws.take(), [pkt.observe(101), pkt.observe(PEER), pkt.publish(101, NEW, 0, "queued")]);
  assert.deepEqual(calls, [["onreconnect", NEW, 3]]); // called after the 3 packets went out
  assert.equal(h.client.topic2tid("news"), 101);
  assert.equal(h.client.tid2topic(100), undefined);
  assert.equal(h.client.subtopic2tid("sport"), 70);
  assert.equal(h.client.topic2tid("plain"), 201);
  h.ws.receive(pkt.publish(101, PEER, 70, ""), pkt.publish(101, PEER, 0, ""), pkt.publish(NEW, PEER, 0, ""));
  assert.deepEqual(got, [["sport", 101, 70], ["news", 101, 0], ["self", NEW]]);
  h.ws.receive(pkt.change(101, 3));
  assert.deepEqual(seen, [[3, "news"]]);
});

test("reconnect with the same ETID (same broker, UID takeover): only the subscriptions are re-sent", async () => {
  const { h, sent, calls } = await sessionWithState(ETID);
  assert.deepEqual(sent, [pkt.subscribe("news")]);
  h.ws.receive(pkt.suback(0, 100, "news"));
  assert.deepEqual(h.ws.take(), [pkt.observe(100), pkt.observe(PEER), pkt.publish(100, ETID, 0, "queued")]);
  assert.equal(calls.length, 1);
});

test("a denied re-subscribe after reconnect is reported and the callbacks are dropped", async () => {
  const { h, got, sent } = await sessionWithState(NEW);
  assert.equal(sent.length, 3);
  h.ws.receive(pkt.createsuback(0, 7, "sport"), pkt.createack(0, 200, "plain"), pkt.suback(1, 0, "news"));
  assert.ok(h.errors.some((e) => e.code === "denied" && /news/.test(e.message)));
  // The observer of "news" is gone too; the queued publish to "news" resolves it again.
  assert.deepEqual(h.ws.take(), [pkt.observe(PEER), pkt.create("news")]);
  h.ws.receive(pkt.createack(1, 0, "news"));
  assert.equal(got.length, 0);
});

test("cleanstart: no state is replayed after a reconnect", async () => {
  const h = setup({ cleanstart: true });
  const calls = [];
  h.client.subscribe("news", { onmsg: () => assert.fail("cleanstart") });
  h.ws.receive(pkt.suback(0, 100, "news"));
  await tick();
  h.client.onreconnect = (e) => calls.push(e);
  recordCloses(h.client);
  h.ws.drop();
  h.clock.advance(1000);
  assert.deepEqual(handshake(h, NEW).slice(1), []);
  assert.deepEqual(calls, [NEW]);
  assert.equal(h.client.topic2tid("news"), undefined);
  h.ws.receive(pkt.publish(100, PEER, 0, ""));
  assert.equal(h.messages.length, 1);
});

test("a request unanswered when the connection dropped is re-sent once and answered once", async () => {
  const h = setup();
  const acks = [];
  h.client.subscribe("late", { onack: (ok, n, tid) => acks.push(tid) });
  h.ws.take();
  recordCloses(h.client);
  h.ws.drop();
  h.clock.advance(1000);
  assert.deepEqual(handshake(h, NEW).slice(1), [pkt.subscribe("late")]);
  h.ws.receive(pkt.suback(0, 12, "late"));
  await tick();
  assert.deepEqual(acks, [12]);
});

test("connection lost during the restore: the next reconnect restores everything again", async () => {
  const { h, sent } = await sessionWithState(NEW);
  assert.equal(sent.length, 3);
  h.ws.receive(pkt.createsuback(0, 70, "sport")); // partial restore, then the link drops
  h.ws.drop();
  h.clock.advance(2000);
  const again = handshake(h, NEW + 1).slice(1);
  assert.deepEqual(again, [pkt.createsub("sport"), pkt.create("plain"), pkt.subscribe("news")]);
  h.ws.receive(pkt.createsuback(0, 71, "sport"), pkt.createack(0, 202, "plain"), pkt.suback(0, 102, "news"));
  assert.deepEqual(h.ws.take(), [pkt.observe(102), pkt.observe(PEER), pkt.publish(102, NEW + 1, 0, "queued")]);
});

test("Init seed/ip of each connection are passed to onauth", () => {
  const h = setup({}, { connect: false });
  const seen = [];
  h.client.onauth = (seed, ip) => {
    seen.push([seed, ip]);
    return "";
  };
  handshake(h);
  recordCloses(h.client);
  h.ws.drop();
  h.clock.advance(1000);
  handshake(h, NEW, { seed: 5, ip: "::1" });
  assert.deepEqual(seen, [[SEED, IP], [5, "::1"]]);
  assert.equal(T.CONNECT, 2);
});

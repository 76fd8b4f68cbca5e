// Ping/Pong, Disconnect in both directions, close(), protocol errors, keepalive.
import test from "node:test";
import assert from "node:assert/strict";
import { setup, pkt, recordCloses, T } from "../test-support/fake.js";

test("a Ping from the broker is answered with an empty Pong; a Pong is ignored", () => {
  const h = setup();
  h.ws.receive(pkt.ping(), pkt.pong());
  assert.deepEqual(h.ws.take(), [[T.PONG]]);
  assert.equal(h.client.connected, true);
});

test("Disconnect with a reason: onclose(reason, false), socket closed, no reconnect", () => {
  const h = setup();
  const closes = recordCloses(h.client);
  h.ws.receive(pkt.disconnect("reconnect"));
  assert.deepEqual(closes, [["reconnect", false]]);
  assert.equal(h.ws.readyState, 3);
  assert.deepEqual(h.clock.pending(), []);
  assert.equal(h.client.connected, false);
  assert.equal(h.client.getsock(), null);
});

test("Disconnect without a reason reports \"disconnect\"", () => {
  const h = setup();
  const closes = recordCloses(h.client);
  h.ws.receive(pkt.disconnect());
  h.ws.drop(1000); // the close that follows is not a second event
  assert.deepEqual(closes, [["disconnect", false]]);
});

test("Disconnect \"shutdown\" (broker stopping) may be retried: canReconnect true, backoff scheduled", () => {
  const h = setup();
  const closes = recordCloses(h.client);
  h.ws.receive(pkt.disconnect("shutdown"));
  assert.deepEqual(closes, [["shutdown", true]]);
  assert.equal(h.clock.pending().length, 1);
});

test("an unknown packet type is a protocol error: socket closed, reconnect allowed", () => {
  const h = setup();
  const closes = recordCloses(h.client);
  h.ws.receive([10]);
  assert.deepEqual(closes, [["protocol error", true]]);
  assert.equal(h.ws.readyState, 3);
  assert.equal(h.errors[0].code, "protocol");
});

test("short packets are protocol errors", () => {
  for (const bad of [[T.PUBLISH, 0, 0, 0, 1], [T.SUBACK, 0, 0], [T.CHANGE, 0, 0, 0, 1, 0]]) {
    const h = setup();
    const closes = recordCloses(h.client, false);
    h.ws.receive(bad);
    assert.deepEqual(closes, [["protocol error", true]], `packet ${bad}`);
  }
});

test("socket loss: onclose gets the close reason or code, with canReconnect true", () => {
  const h = setup();
  const closes = recordCloses(h.client, false);
  h.ws.drop(1006);
  assert.deepEqual(closes, [["connection closed (code 1006)", true]]);
  const h2 = setup();
  const closes2 = recordCloses(h2.client, false);
  h2.ws.drop(1001, "going away");
  assert.deepEqual(closes2, [["going away", true]]);
});

test("disconnect(): sends Disconnect, waits for the broker to close, then onclose(\"disconnect\", false)", () => {
  const h = setup();
  const closes = recordCloses(h.client, 5000); // a number must not revive a disconnected client
  h.client.disconnect();
  assert.deepEqual(h.ws.take(), [[T.DISCONNECT]]);
  assert.deepEqual(closes, []);
  h.ws.drop(1000);
  assert.deepEqual(closes, [["disconnect", false]]);
  assert.deepEqual(h.clock.pending(), []);
  assert.throws(() => h.client.subscribe("x"), (e) => e.code === "closed");
});

test("disconnect(): if the broker does not close, the client closes after disconnectTimeout", () => {
  const h = setup({ disconnectTimeout: 500 });
  const closes = recordCloses(h.client);
  h.client.disconnect();
  h.clock.advance(499);
  assert.deepEqual(closes, []);
  h.clock.advance(1);
  assert.deepEqual(closes, [["disconnect", false]]);
  assert.equal(h.ws.readyState, 3);
});

test("close(): closes at once, onclose(\"close\", false), never reconnects", () => {
  const h = setup();
  const closes = recordCloses(h.client);
  h.client.close();
  assert.deepEqual(closes, [["close", false]]);
  assert.equal(h.ws.readyState, 3);
  assert.deepEqual(h.ws.take(), []);
  assert.deepEqual(h.clock.pending(), []);
  h.client.close(); // idempotent
  assert.equal(closes.length, 1);
});

test("close() inside onclose stops the reconnect", () => {
  const h = setup();
  h.client.onclose = () => h.client.close();
  h.ws.drop();
  assert.deepEqual(h.clock.pending(), []);
});

test("keepalive: Ping after `ping` s without traffic; no packet within pongTimeout closes", () => {
  const h = setup({ ping: 30 });
  const closes = recordCloses(h.client, false);
  h.clock.advance(29_000);
  h.ws.receive(pkt.publish(1, 2, 0, "")); // traffic restarts the idle period
  h.clock.advance(29_000);
  assert.deepEqual(h.ws.take(), []);
  h.clock.advance(1_000);
  assert.deepEqual(h.ws.take(), [[T.PING]]);
  h.ws.receive(pkt.pong());
  h.clock.advance(30_000);
  assert.deepEqual(h.ws.take(), [[T.PING]]);
  h.clock.advance(9_999);
  assert.deepEqual(closes, []);
  h.clock.advance(1);
  assert.deepEqual(closes, [["ping timeout", true]]);
  assert.equal(h.ws.readyState, 3);
});

test("keepalive is off by default: no timers while connected", () => {
  const h = setup();
  assert.deepEqual(h.clock.pending(), []);
});

// End-to-end smoke test against the real broker. Skipped unless SMQ_BROKER names the
// smq-broker binary, e.g.
//   SMQ_BROKER=/tmp/jsbuild/broker/smq-broker npm test
// Loopback only; every wait is bounded.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import SMQ from "../src/smq.js";

const BROKER = process.env.SMQ_BROKER;
const skip = BROKER ? false : "set SMQ_BROKER to the smq-broker binary to run";
const WAIT_MS = 5000;

// Loaded lazily: the devDependency is only needed when the test really runs.
async function wsConstructor() {
  if (typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  return (await import("ws")).WebSocket;
}

function startBroker(listen = "127.0.0.1:0") {
  // Stats are published by the broker's in-process server client (ETID 1).
  const proc = spawn(BROKER, ["--listen", listen, "--stats-interval", "100"], { stdio: ["ignore", "ignore", "pipe"] });
  const port = new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${log}`)), WAIT_MS);
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on("exit", (code) => reject(new Error(`broker exited (${code}): ${log}`)));
  });
  return { proc, port };
}

function stopBroker(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), WAIT_MS);
    proc.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

/** Resolves when check() is truthy; fails after WAIT_MS. */
async function until(check, what) {
  const end = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function connect(port, WebSocket, opt = {}) {
  const client = SMQ.Client(`ws://127.0.0.1:${port}/`, { WebSocket, reconnectDelay: 100, maxReconnectDelay: 400, ...opt });
  const state = { client, etid: 0, reconnects: 0, closes: [], messages: [] };
  client.onconnect = (etid) => (state.etid = etid);
  client.onreconnect = (etid) => {
    state.etid = etid;
    state.reconnects++;
  };
  client.onclose = (message, canReconnect) => {
    state.closes.push([message, canReconnect]);
  };
  client.onmsg = (data, ptid, tid, subtid) => state.messages.push({ data, ptid, tid, subtid });
  return state;
}

test("pub/sub, self + sub-topic request/reply, observe and reconnect against smq-broker", { skip, timeout: 30000 }, async () => {
  const WebSocket = await wsConstructor();
  let broker = startBroker();
  const port = await broker.port;
  const a = connect(port, WebSocket);
  const b = connect(port, WebSocket);
  try {
    await until(() => a.etid && b.etid, "both clients connected");
    assert.notEqual(a.etid, b.etid);

    // Topic pub/sub with a text callback; the broker echoes to a subscribed publisher too.
    const chat = [];
    const tid = await a.client.subscribe("chat", { datatype: "text", onmsg: (d, ptid) => chat.push([d, ptid]) });
    assert.equal(a.client.topic2tid("chat"), tid);
    const counts = [];
    await b.client.observe("chat", (count) => counts.push(count));
    await until(() => counts.length === 1, "initial Change");
    assert.deepEqual(counts, [1]);
    b.client.publish("hello", "chat");
    await until(() => chat.length === 1, "chat message");
    assert.deepEqual(chat, [["hello", b.etid]]);

    // "self" + sub-topic request/reply (the pattern used with the server client at ETID 1).
    const replies = [];
    await b.client.subscribe("self", "request", {
      datatype: "json",
      onmsg: (req, ptid) => b.client.pubjson({ echo: req.n * 2 }, ptid, "reply"),
    });
    await a.client.subscribe("self", "reply", { datatype: "json", onmsg: (msg) => replies.push(msg) });
    a.client.pubjson({ n: 21 }, b.etid, "request");
    await until(() => replies.length === 1, "reply");
    assert.deepEqual(replies, [{ echo: 42 }]);
    assert.equal(a.client.subtopic2tid("reply"), b.client.subtopic2tid("reply"));

    // msgpack round trip through the broker.
    const packed = [];
    await a.client.subscribe("bin", { datatype: "msgpack", onmsg: (v) => packed.push(v) });
    b.client.pubmsgpack({ list: [1, 2, 3], ok: true }, "bin");
    await until(() => packed.length === 1, "msgpack message");
    assert.deepEqual(packed, [{ list: [1, 2, 3], ok: true }]);

    // Server-side publisher: messages from the in-process client carry ptid 1.
    const stats = [];
    await a.client.subscribe("$smq/stats", { datatype: "json", onmsg: (v, ptid) => stats.push([v, ptid]) });
    await until(() => stats.length >= 1, "a stats message");
    assert.equal(stats[0][1], 1);
    assert.equal(typeof stats[0][0], "object");
    a.client.unsubscribe("$smq/stats");

    const gone = [];
    await a.client.observe(b.etid, (count, who) => gone.push([count, who]));

    // Broker restart: "shutdown" is retryable; the client reconnects and restores.
    await stopBroker(broker.proc);
    await until(() => a.closes.length && b.closes.length, "onclose after shutdown");
    assert.deepEqual(a.closes[0], ["shutdown", true]);
    broker = startBroker(`127.0.0.1:${port}`);
    await broker.port;
    await until(() => a.reconnects === 1 && b.reconnects === 1, "reconnect after restart");
    b.client.publish("again", "chat");
    await until(() => chat.length === 2, "chat message after restart");
    assert.deepEqual(chat[1], ["again", b.etid]);
    assert.equal(a.client.topic2tid("chat") !== undefined, true);

    // After the restart a's observer of b's old ETID learns it is gone (Change 0 for an unknown id).
    await until(() => gone.length === 1, "Change 0 for the old ETID");
    assert.equal(gone[0][0], 0);

    // Observe b's new ETID, then b leaves politely: Change(etid, 0).
    const left = [];
    await a.client.observe(b.etid, (count) => left.push(count));
    b.client.disconnect();
    await until(() => left.length === 1, "Change 0 when b leaves");
    assert.deepEqual(left, [0]);
    assert.deepEqual(b.closes.at(-1), ["disconnect", false]);
  } finally {
    a.client.close();
    b.client.close();
    await stopBroker(broker.proc);
  }
});

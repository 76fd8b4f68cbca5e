// Construction, module helpers and the Init/Connect/Connack handshake.
import test from "node:test";
import assert from "node:assert/strict";
import SMQ, { Client, wsURL, websocket, utf8 } from "../src/smq.js";
import { setup, handshake, recordCloses, fakeSockets, fakeClock, pkt, tick, T, SEED, IP, ETID } from "../test-support/fake.js";

test("Client works with and without new, and the SMQ namespace matches the named exports", () => {
  const env = fakeSockets();
  const a = SMQ.Client("ws://h/x", { WebSocket: env.WebSocket });
  const b = new SMQ.Client("ws://h/x", { WebSocket: env.WebSocket });
  assert.ok(a instanceof SMQ.Client);
  assert.ok(b instanceof Client);
  assert.equal(env.sockets.length, 2);
  assert.equal(SMQ.wsURL, wsURL);
  assert.equal(SMQ.utf8, utf8);
  a.close();
  b.close();
});

test("a single object argument is the options; the URL then defaults to wsURL()", () => {
  const env = fakeSockets();
  globalThis.location = new URL("https://example.com:8443/app/page.html?x=1#frag");
  try {
    const c = SMQ.Client({ WebSocket: env.WebSocket });
    assert.equal(env.last().url, "wss://example.com:8443/app/page.html");
    c.close();
  } finally {
    delete globalThis.location;
  }
});

test("http(s) URLs are converted to ws(s); the socket uses binaryType arraybuffer", () => {
  const env = fakeSockets();
  const c = SMQ.Client("http://example.com:9700/smq", { WebSocket: env.WebSocket });
  assert.equal(env.last().url, "ws://example.com:9700/smq");
  assert.equal(env.last().binaryType, "arraybuffer");
  c.close();
});

test("wsURL resolves paths against the page and picks ws/wss from the page scheme", () => {
  globalThis.location = new URL("http://host.test:8080/dir/page.html");
  try {
    assert.equal(wsURL(), "ws://host.test:8080/dir/page.html");
    assert.equal(wsURL("smq.lsp"), "ws://host.test:8080/dir/smq.lsp");
    assert.equal(wsURL("/smq"), "ws://host.test:8080/smq");
    globalThis.location = new URL("https://host.test/a/");
    assert.equal(wsURL("b"), "wss://host.test/a/b");
  } finally {
    delete globalThis.location;
  }
  assert.equal(wsURL("https://x.test/p"), "wss://x.test/p");
  assert.throws(() => wsURL("/relative"), TypeError);
});

test("websocket() reports whether a global WebSocket exists", () => {
  assert.equal(websocket(), typeof globalThis.WebSocket === "function");
});

test("utf8 helpers: length, encode, decode (null on invalid input)", () => {
  assert.equal(utf8.length("aé€😀"), 1 + 2 + 3 + 4);
  assert.equal(utf8.length("\ud800"), 3); // lone surrogate, encoded as U+FFFD
  assert.deepEqual([...utf8.encode("é")], [0xc3, 0xa9]);
  assert.equal(utf8.decode(new Uint8Array([0x68, 0xc3, 0xa9])), "hé");
  assert.equal(utf8.decode([0x61, 0x62, 0x63], 1, 2), "b");
  assert.equal(utf8.decode(new Uint8Array([0xff, 0xfe])), null);
  assert.equal(utf8.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\ufeffA"); // BOM kept
});

test("Init -> Connect v1 with the default uid (IP + seed), empty credentials and info", () => {
  const h = setup({ info: "dashboard" }, { connect: false });
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP));
  const [connect] = h.ws.take();
  const uid = [...new TextEncoder().encode(IP + SEED)];
  const info = [...new TextEncoder().encode("dashboard")];
  assert.deepEqual(connect, [T.CONNECT, 1, uid.length, ...uid, 0, ...info]);
});

test("onauth(seed, ip) supplies the credentials; an explicit uid is used as given", () => {
  const h = setup({ uid: "device-0001" }, { connect: false });
  let args;
  h.client.onauth = (seed, ip) => {
    args = [seed, ip];
    return "secret";
  };
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP));
  assert.deepEqual(args, [SEED, IP]);
  assert.deepEqual(h.ws.take()[0], [T.CONNECT, 1, 11, ...pkt.bytes("device-0001"), 6, ...pkt.bytes("secret")]);
});

test("onauth may return a Promise of the credentials", async () => {
  const h = setup({ uid: "device-0001" }, { connect: false });
  h.client.onauth = async () => new Uint8Array([1, 2, 3]);
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP));
  assert.equal(h.ws.sent.length, 0);
  await tick();
  assert.deepEqual(h.ws.take()[0], [T.CONNECT, 1, 11, ...pkt.bytes("device-0001"), 3, 1, 2, 3]);
});

test("credentials over 255 bytes end the attempt without reconnecting", () => {
  const h = setup({}, { connect: false });
  const closes = recordCloses(h.client);
  h.client.onauth = () => "x".repeat(256);
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP));
  assert.deepEqual(closes, [["credentials longer than 255 bytes", false]]);
  assert.equal(h.ws.sent.length, 0);
  assert.deepEqual(h.clock.pending(), []);
});

test("an over-long uid option is refused at construction", () => {
  const env = fakeSockets();
  assert.throws(() => SMQ.Client("ws://h/", { WebSocket: env.WebSocket, uid: "u".repeat(256) }), RangeError);
});

test("no WebSocket implementation -> TypeError naming the option", () => {
  const saved = globalThis.WebSocket;
  delete globalThis.WebSocket;
  try {
    assert.throws(() => SMQ.Client("ws://h/"), /WebSocket/);
  } finally {
    if (saved) globalThis.WebSocket = saved;
  }
});

test("Connack accepted: onconnect(etid, seed, ip), gettid(), connected", () => {
  const h = setup({}, { connect: false });
  const calls = [];
  h.client.onconnect = (...a) => calls.push(a);
  assert.equal(h.client.connected, false);
  assert.equal(h.client.gettid(), 0);
  handshake(h);
  assert.deepEqual(calls, [[ETID, SEED, IP]]);
  assert.equal(h.client.gettid(), ETID);
  assert.equal(h.client.connected, true);
  assert.equal(h.client.getsock(), h.ws);
});

test("Connack refused: onclose(reason, false), socket closed, no reconnect", () => {
  const h = setup({}, { connect: false });
  const closes = recordCloses(h.client);
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP), pkt.connack(3, 0, "bad password"));
  assert.deepEqual(closes, [["bad password", false]]);
  assert.equal(h.ws.readyState, 3);
  assert.deepEqual(h.clock.pending(), []);
  assert.throws(() => h.client.publish("x", 5), (e) => e.code === "closed");
});

test("Connack refused without reason gets a generic message; code 2 (unavailable) retries", () => {
  const h = setup({}, { connect: false });
  const closes = recordCloses(h.client);
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP), pkt.connack(2, 0));
  assert.deepEqual(closes, [["connection refused (code 2)", true]]);
  assert.equal(h.clock.pending().length, 1);
});

test("Init with a version other than 1 stops the client", () => {
  const h = setup({}, { connect: false });
  const closes = recordCloses(h.client);
  h.ws.open();
  h.ws.receive(pkt.init(SEED, IP, 2));
  assert.deepEqual(closes, [["unsupported Init version 2", false]]);
  assert.deepEqual(h.clock.pending(), []);
});

test("a packet other than Init first is a protocol error (reconnect allowed)", () => {
  const h = setup({}, { connect: false });
  const closes = recordCloses(h.client);
  h.ws.open();
  h.ws.receive(pkt.connack(0, 5));
  assert.deepEqual(closes, [["protocol error", true]]);
  assert.equal(h.errors[0].code, "protocol");
});

test("callback options in the options object are installed", () => {
  const clock = fakeClock();
  const env = fakeSockets();
  const seen = [];
  const c = SMQ.Client("ws://h/", { WebSocket: env.WebSocket, timers: clock.timers, onconnect: (e) => seen.push(e) });
  env.last().open();
  env.last().receive(pkt.init(1, IP), pkt.connack(0, 77));
  assert.deepEqual(seen, [77]);
  c.close();
});

test("smq-global.js installs the namespace as globalThis.SMQ", async () => {
  const mod = await import("../src/smq-global.js");
  assert.equal(globalThis.SMQ, SMQ);
  assert.equal(mod.default, SMQ);
  assert.equal(typeof globalThis.SMQ.Client, "function");
  delete globalThis.SMQ;
});

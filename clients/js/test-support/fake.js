// Test doubles for the unit tests: a scripted WebSocket, a manual clock and builders for
// broker -> client packets. Kept outside test/ because `node --test test/` runs every .js
// file in that directory as a test file.

import SMQ from "../src/smq.js";

export const T = SMQ.PacketType;

/** A manual clock whose timers only fire when advance() is called. */
export function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    timers: {
      setTimeout(fn, ms) {
        const id = nextId++;
        timers.set(id, { at: now + ms, fn, ms });
        return id;
      },
      clearTimeout(id) {
        timers.delete(id);
      },
    },
    /** Delays (ms, as requested) of the timers still pending. */
    pending() {
      return [...timers.values()].map((t) => t.ms);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let next = null;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

/** A fresh fake WebSocket class plus the list of sockets it created. */
export function fakeSockets() {
  const sockets = [];
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;

    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.binaryType = "blob";
      this.sent = [];
      this.closeCalls = [];
      this.listeners = new Map();
      sockets.push(this);
    }

    addEventListener(type, fn) {
      if (!this.listeners.has(type)) this.listeners.set(type, []);
      this.listeners.get(type).push(fn);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error("fake: send on a socket that is not open");
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      this.sent.push(Uint8Array.from(bytes));
    }

    close(code, reason) {
      this.closeCalls.push([code, reason]);
      if (this.readyState < 2) this.readyState = 3;
    }

    // --- broker side ---
    emit(type, ev) {
      for (const fn of this.listeners.get(type) ?? []) fn(ev);
    }

    open() {
      this.readyState = 1;
      this.emit("open", {});
    }

    /** Deliver packets (arrays of bytes or Uint8Arrays), one WebSocket message each. */
    receive(...packets) {
      for (const p of packets) this.emit("message", { data: Uint8Array.from(p).buffer });
    }

    /** The broker/network closes the socket. */
    drop(code = 1006, reason = "") {
      this.readyState = 3;
      this.emit("close", { code, reason, wasClean: false });
    }

    /** Sent packets since the last call, as plain arrays. */
    take() {
      const out = this.sent.map((p) => [...p]);
      this.sent.length = 0;
      return out;
    }

    /** Type bytes of sent packets since the last take(). */
    types() {
      return this.sent.map((p) => p[0]);
    }
  }
  return { WebSocket: FakeWebSocket, sockets, last: () => sockets.at(-1) };
}

// --- broker -> client packet builders ---

const enc = new TextEncoder();
const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const bytes = (x) => (typeof x === "string" ? [...enc.encode(x)] : [...(x ?? [])]);

export const pkt = {
  init: (seed, ip, version = 1) => [T.INIT, version, ...u32(seed), ...bytes(ip)],
  connack: (code, etid, reason = "") => [T.CONNACK, code, ...u32(etid), ...bytes(reason)],
  suback: (status, id, name) => [T.SUBACK, status, ...u32(id), ...bytes(name)],
  createack: (status, id, name) => [T.CREATEACK, status, ...u32(id), ...bytes(name)],
  createsuback: (status, id, name) => [T.CREATESUBACK, status, ...u32(id), ...bytes(name)],
  publish: (tid, ptid, subtid, payload) => [T.PUBLISH, ...u32(tid), ...u32(ptid), ...u32(subtid), ...bytes(payload)],
  change: (id, count) => [T.CHANGE, ...u32(id), ...u32(count)],
  disconnect: (reason = "") => [T.DISCONNECT, ...bytes(reason)],
  ping: () => [T.PING],
  pong: () => [T.PONG],
  // client -> broker, for comparing what the client sent
  subscribe: (name) => [T.SUBSCRIBE, ...bytes(name)],
  create: (name) => [T.CREATE, ...bytes(name)],
  createsub: (name) => [T.CREATESUB, ...bytes(name)],
  unsubscribe: (id) => [T.UNSUBSCRIBE, ...u32(id)],
  observe: (id) => [T.OBSERVE, ...u32(id)],
  unobserve: (id) => [T.UNOBSERVE, ...u32(id)],
  u32,
  bytes,
};

/** Lets queued microtasks and promise reactions run. */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

export const SEED = 0x01020304;
export const IP = "127.0.0.1";
export const ETID = 0x0a0b0c0d;

/**
 * A client on a fake socket. With `connect` (default) the socket is opened and Init +
 * Connack(ok, etid) are delivered; the Connect packet is consumed from `ws.sent`.
 */
export function setup(options = {}, { connect = true, etid = ETID } = {}) {
  const env = fakeSockets();
  const clock = fakeClock();
  const errors = [];
  const client = SMQ.Client("ws://broker.test/smq", {
    WebSocket: env.WebSocket,
    timers: clock.timers,
    random: () => 0.5,
    onerror: (e) => errors.push(e),
    ...options,
  });
  const messages = [];
  client.onmsg = (data, ptid, tid, subtid) => messages.push({ data, ptid, tid, subtid });
  const ws = env.last();
  const h = { env, clock, client, ws, errors, messages };
  if (connect) handshake(h, etid);
  return h;
}

/**
 * Open the current socket and complete Init/Connack. Returns (and clears) everything the
 * client sent: the Connect first, then whatever it flushed on connecting.
 */
export function handshake(h, etid = ETID, { seed = SEED, ip = IP } = {}) {
  h.ws = h.env.last();
  h.ws.open();
  h.ws.receive(pkt.init(seed, ip), pkt.connack(0, etid));
  return h.ws.take();
}

/**
 * Records onclose calls. Note the block body: returning a number from onclose would ask
 * for a reconnect after that many ms (reference smq.js semantics).
 */
export function recordCloses(client, verdict) {
  const closes = [];
  client.onclose = (message, canReconnect) => {
    closes.push([message, canReconnect]);
    return verdict;
  };
  return closes;
}

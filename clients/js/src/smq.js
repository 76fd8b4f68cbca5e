// SMQ client for browsers and Node >= 18 (ES2022 module).
//
// Speaks the SMQ publish/subscribe protocol over WebSocket (one SMQ packet per binary
// message) and keeps the programming interface of the reference browser client smq.js,
// plus promise forms, data types, automatic reconnect with backoff and a bounded queue.
// Protocol reference: docs/protocol.md; client guide: docs/clients-js.md.
//
// No Node-only imports: the module runs unchanged in a browser. In Node 18 and 20 (which
// have no global WebSocket) pass a WebSocket implementation through the `WebSocket` option.

import { encode as msgpackEncode, decode as msgpackDecode } from "@msgpack/msgpack";

/** SMQ packet types (first byte of every packet). */
export const PacketType = Object.freeze({
  INIT: 1,
  CONNECT: 2,
  CONNACK: 3,
  SUBSCRIBE: 4,
  SUBACK: 5,
  CREATE: 6,
  CREATEACK: 7,
  PUBLISH: 8,
  UNSUBSCRIBE: 9,
  DISCONNECT: 11,
  PING: 12,
  PONG: 13,
  OBSERVE: 14,
  UNOBSERVE: 15,
  CHANGE: 16,
  CREATESUB: 17,
  CREATESUBACK: 18,
});
const T = PacketType;

/** Largest Publish payload any SMQ transport can carry (raw frame limit). */
export const MAX_PAYLOAD = 0xfff0;

const SELF = "self";
const OPEN = 1; // WebSocket.OPEN, fixed by the standard
const MAX_ID = 0xffffffff;
const DATATYPES = new Set(["text", "json", "msgpack", "binary"]);
// The ack type that answers each request type.
const ACK_OF = { [T.SUBSCRIBE]: T.SUBACK, [T.CREATE]: T.CREATEACK, [T.CREATESUB]: T.CREATESUBACK };

// ---------------------------------------------------------------------------------------
// Errors

/**
 * Error raised or rejected by the client. `code` is one of "denied" (the broker refused a
 * name), "queue-full" (the offline queue is at `maxQueue`), "closed" (the client stopped
 * before the request could be answered), "too-large" (payload over 0xFFF0 bytes),
 * "protocol" (the broker sent something malformed).
 */
export class SmqError extends Error {
  /**
   * @param {string} code machine-readable reason
   * @param {string} message human-readable text
   */
  constructor(code, message) {
    super(message);
    this.name = "SmqError";
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------
// UTF-8 helpers (SMQ.utf8)

const textEncoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: payloads are data, not documents.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Number of bytes the UTF-8 encoding of `str` takes (lone surrogates count as the 3 bytes
 * of U+FFFD, matching what encode() produces).
 * @param {string} str
 * @returns {number}
 */
function utf8Length(str) {
  const s = String(str);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * UTF-8 encode a string.
 * @param {string} str
 * @returns {Uint8Array}
 */
function utf8Encode(str) {
  return textEncoder.encode(String(str));
}

/**
 * Decode UTF-8 bytes. Returns null when the bytes are not valid UTF-8.
 * @param {Uint8Array|ArrayBuffer|ArrayLike<number>} bytes
 * @param {number} [start] first byte (default 0)
 * @param {number} [end] one past the last byte (default: length)
 * @returns {string|null}
 */
function utf8Decode(bytes, start, end) {
  let u8;
  try {
    u8 = toBytes(bytes);
  } catch {
    return null;
  }
  if (start !== undefined || end !== undefined) u8 = u8.subarray(start ?? 0, end ?? u8.length);
  try {
    return strictDecoder.decode(u8);
  } catch {
    return null;
  }
}

/** UTF-8 helpers: `length(str)`, `encode(str)`, `decode(bytes, start?, end?)`. */
export const utf8 = Object.freeze({ length: utf8Length, encode: utf8Encode, decode: utf8Decode });

// ---------------------------------------------------------------------------------------
// Byte helpers and packet builders

/** Any accepted binary form (or a string) as a Uint8Array; throws TypeError otherwise. */
function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return utf8Encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Uint8Array.from(data);
  throw new TypeError("SMQ: data must be a string, Uint8Array, ArrayBuffer, typed array or byte array");
}

function readU32(p, off) {
  return ((p[off] << 24) >>> 0) + (p[off + 1] << 16) + (p[off + 2] << 8) + p[off + 3];
}

function writeU32(p, off, v) {
  p[off] = v >>> 24;
  p[off + 1] = (v >>> 16) & 0xff;
  p[off + 2] = (v >>> 8) & 0xff;
  p[off + 3] = v & 0xff;
}

/** [type][rest], where rest is the UTF-8 of a name/text or raw bytes. */
function textPacket(type, text) {
  const body = toBytes(text ?? "");
  const p = new Uint8Array(1 + body.length);
  p[0] = type;
  p.set(body, 1);
  return p;
}

/** [type][u32 id] (Unsubscribe, Observe, Unobserve). */
function idPacket(type, id) {
  const p = new Uint8Array(5);
  p[0] = type;
  writeU32(p, 1, id);
  return p;
}

/** [8][tid][ptid][subtid][payload]. */
function publishPacket(tid, ptid, subtid, payload) {
  const p = new Uint8Array(13 + payload.length);
  p[0] = T.PUBLISH;
  writeU32(p, 1, tid);
  writeU32(p, 5, ptid);
  writeU32(p, 9, subtid);
  p.set(payload, 13);
  return p;
}

/** Connect version 1: [2][1][uidLen][uid][credLen][cred][info]. */
function connectPacket(uid, cred, info) {
  const p = new Uint8Array(4 + uid.length + cred.length + info.length);
  p[0] = T.CONNECT;
  p[1] = 1;
  p[2] = uid.length;
  p.set(uid, 3);
  p[3 + uid.length] = cred.length;
  p.set(cred, 4 + uid.length);
  p.set(info, 4 + uid.length + cred.length);
  return p;
}

/** WebSocket message data as bytes; null for text or Blob messages (not SMQ). */
function messageBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** Key used to match an ack's echoed name with its request (both via UTF-8 bytes). */
function nameKey(name) {
  return lenientDecoder.decode(utf8Encode(name));
}

function isId(v) {
  return Number.isInteger(v) && v >= 0 && v <= MAX_ID;
}

function checkTopic(topic, what = "topic") {
  if (typeof topic === "string" || isId(topic)) return;
  throw new TypeError(`SMQ: ${what} must be a name or a 32-bit id`);
}

function checkSubtopic(subtopic) {
  if (subtopic === undefined || subtopic === null) return;
  checkTopic(subtopic, "sub-topic");
}

function isPlainSettings(v) {
  return v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

/** Encode a publish payload according to a data type. */
function encodePayload(data, datatype) {
  switch (datatype) {
    case undefined:
    case null:
    case "binary":
      return toBytes(data);
    case "text":
      return utf8Encode(data);
    case "json": {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("SMQ: value is not JSON-serialisable");
      return utf8Encode(text);
    }
    case "msgpack":
      return msgpackEncode(data);
    default:
      throw new TypeError(`SMQ: unknown datatype "${datatype}"`);
  }
}

// Marks "could not decode" without colliding with any decoded value.
const UNDECODABLE = Symbol("undecodable");

/** Decode a received payload for a subscription's data type (UNDECODABLE on failure). */
function decodePayload(payload, datatype) {
  if (!datatype || datatype === "binary") return payload;
  if (datatype === "msgpack") {
    try {
      return msgpackDecode(payload);
    } catch {
      return UNDECODABLE;
    }
  }
  const text = utf8Decode(payload);
  if (text === null) return UNDECODABLE;
  if (datatype === "text") return text;
  try {
    return JSON.parse(text);
  } catch {
    return UNDECODABLE;
  }
}

// ---------------------------------------------------------------------------------------
// Module-level functions (SMQ.wsURL, SMQ.websocket, backoffDelay)

/**
 * WebSocket URL for the current page's host and port: ws: for http pages, wss: for https.
 * `path` is resolved against the page (a relative path against the page's directory); it
 * defaults to the page's own path. An absolute http(s)/ws(s) URL is converted and returned.
 * Outside a browser (no `location`) only absolute URLs work.
 * @param {string} [path]
 * @returns {string}
 */
export function wsURL(path) {
  if (typeof path === "string" && /^(wss?|https?):\/\//i.test(path)) return toWsScheme(path);
  const loc = globalThis.location;
  if (!loc || typeof loc.href !== "string") {
    throw new TypeError("SMQ.wsURL: no page location (not in a browser); pass an absolute ws:// URL");
  }
  const u = new URL(path ?? loc.pathname, loc.href);
  u.hash = "";
  return toWsScheme(u.href);
}

function toWsScheme(url) {
  return url.replace(/^http(s?):/i, (_, s) => `ws${s}:`);
}

/**
 * Feature test: true when a global WebSocket constructor exists (browsers, Node >= 22).
 * @returns {boolean}
 */
export function websocket() {
  return typeof globalThis.WebSocket === "function";
}

/**
 * Reconnect delay for the given attempt (0 = first retry after a loss): exponential
 * backoff with full jitter, uniform in [0, min(maxReconnectDelay, reconnectDelay * 2^attempt)).
 * Full jitter spreads a crowd of clients out after a broker restart.
 * @param {number} attempt
 * @param {{reconnectDelay?: number, maxReconnectDelay?: number, random?: () => number}} [opt]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, opt = {}) {
  const base = opt.reconnectDelay ?? 1000;
  const max = opt.maxReconnectDelay ?? 30000;
  const random = opt.random ?? Math.random;
  const cap = Math.min(max, base * 2 ** Math.min(Math.max(attempt, 0), 40));
  return Math.floor(random() * cap);
}

// ---------------------------------------------------------------------------------------
// Options

function normalizeOptions(opt) {
  const o = { ...(opt ?? {}) };
  const num = (name, dflt, min) => {
    const v = o[name] ?? dflt;
    if (typeof v !== "number" || !(v >= min)) throw new TypeError(`SMQ: option ${name} must be a number >= ${min}`);
    return v;
  };
  const uid = o.uid === undefined || o.uid === null ? null : toBytes(o.uid);
  if (uid && uid.length > 255) throw new RangeError("SMQ: uid longer than 255 bytes");
  const timers = o.timers ?? {};
  return {
    uid,
    info: toBytes(o.info ?? ""),
    cleanstart: !!o.cleanstart,
    WebSocket: o.WebSocket ?? globalThis.WebSocket,
    reconnect: o.reconnect ?? true,
    reconnectDelay: num("reconnectDelay", 1000, 1),
    maxReconnectDelay: num("maxReconnectDelay", 30000, 1),
    maxQueue: num("maxQueue", 1000, 0),
    ping: num("ping", 0, 0),
    pongTimeout: num("pongTimeout", 10, 0.001),
    disconnectTimeout: num("disconnectTimeout", 2000, 0),
    random: o.random ?? Math.random,
    setTimeout: timers.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
    clearTimeout: timers.clearTimeout ?? ((id) => globalThis.clearTimeout(id)),
  };
}

const CALLBACK_OPTIONS = ["onauth", "onconnect", "onreconnect", "onclose", "onmsg", "onerror"];

// ---------------------------------------------------------------------------------------
// Client

/** A subscription record: callbacks for one topic (or for "self"). */
function newRecord() {
  // named: sub-topic name -> entry (survives id changes); num: sub-topic id -> entry, 0 = catch-all.
  return { wire: false, named: new Map(), num: new Map() };
}

class SmqClient {
  /** @type {((seed: number, ip: string) => any) | null} */
  onauth = null;
  /** @type {((etid: number, seed: number, ip: string) => void) | null} */
  onconnect = null;
  /** @type {((etid: number, seed: number, ip: string) => void) | null} */
  onreconnect = null;
  /** @type {((message: string, canReconnect: boolean) => any) | null} */
  onclose = null;
  /** Default handler for messages no subscription callback takes. */
  onmsg = (data, ptid, tid, subtid) => {
    console.log(`SMQ: unhandled message tid=${tid} subtid=${subtid} ptid=${ptid} (${data.length} bytes)`);
  };
  /** @type {((err: Error) => void) | null} */
  onerror = null;

  #opt;
  #url;
  #ctx = null; // the current connection attempt: { sock, closed, userDisconnect }
  #state = "opening"; // opening | handshake | connected | waiting | closed
  #ready = false; // connected and restore finished: commands may go out
  #final = false; // close()/disconnect() called or reconnecting given up
  #everConnected = false;
  #attempt = 0; // reconnect attempts since the last successful Connack
  #etid = 0;
  #seed = 0;
  #ip = "";
  #uid = null;
  #cacheEtid = 0; // connection on which the name caches were last known to be valid
  #timers = { reconnect: null, idle: null, pong: null, disconnect: null };

  // Name caches (bijective): topic name <-> tid, sub-topic name <-> id.
  #topicIds = new Map();
  #topicNames = new Map();
  #subIds = new Map();
  #subNames = new Map();

  // Subscriptions: by topic name (sent as Subscribe), by number (local only), and "self".
  #named = new Map();
  #local = new Map();
  #selfRec = null;
  // Observers: by topic name (re-resolved on reconnect) and by raw id (ETIDs, unknown tids).
  #obsNamed = new Map();
  #obsIds = new Map();

  #pending = { [T.SUBACK]: [], [T.CREATEACK]: [], [T.CREATESUBACK]: [] };
  #inflight = []; // unanswered requests of a lost connection, re-sent after reconnect
  #seq = 0;
  #resolving = new Map(); // "t:name" / "s:name" -> waiting callbacks (one Create per name)
  #queue = []; // commands waiting for the connection (or for a name to resolve), in call order
  #draining = false;

  /**
   * @param {string|URL} [url] ws://, wss://, http(s):// or a path (browser only)
   * @param {object} [opt] see docs/clients-js.md
   */
  constructor(url, opt) {
    if (isPlainSettings(url) && !(url instanceof URL) && opt === undefined) {
      opt = url;
      url = undefined;
    }
    this.#opt = normalizeOptions(opt);
    for (const name of CALLBACK_OPTIONS) if (typeof opt?.[name] === "function") this[name] = opt[name];
    if (typeof this.#opt.WebSocket !== "function") {
      throw new TypeError("SMQ: no WebSocket implementation; pass one as option `WebSocket` (e.g. from the 'ws' package)");
    }
    this.#uid = this.#opt.uid;
    this.#url = url == null ? wsURL() : /^[a-z][a-z0-9+.-]*:\/\//i.test(String(url)) ? toWsScheme(String(url)) : wsURL(String(url));
    this.#open(true);
  }

  // ----- public API ---------------------------------------------------------------------

  /**
   * Publish a message. `data`: string (sent as UTF-8), Uint8Array/ArrayBuffer/typed
   * array/byte array; with `options.datatype` "json" or "msgpack" any value. `topic`: name,
   * "self" or a numeric tid/etid; `subtopic`: name or number (default 0). Names are
   * resolved (Create/Createsub) before sending; messages go out in call order; while not
   * connected they wait in the queue.
   * @param {any} data
   * @param {string|number} topic
   * @param {string|number|{datatype?: string}} [subtopic]
   * @param {{datatype?: "text"|"json"|"msgpack"|"binary"}} [options]
   */
  publish(data, topic, subtopic, options) {
    if (options === undefined && isPlainSettings(subtopic)) {
      options = subtopic;
      subtopic = undefined;
    }
    checkTopic(topic);
    checkSubtopic(subtopic);
    const payload = encodePayload(data, options?.datatype);
    if (payload.length > MAX_PAYLOAD) {
      throw new SmqError("too-large", `SMQ: payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
    }
    const entry = {
      attempt: () => this.#tryPublish(entry, payload, topic, subtopic),
      // Denied names are reported per message; "closed" is summarised by #stop.
      fail: (err) => err.code === "closed" || this.#report(err),
    };
    this.#submit(entry);
  }

  /**
   * Publish `value` as JSON text.
   * @param {any} value
   * @param {string|number} topic
   * @param {string|number} [subtopic]
   */
  pubjson(value, topic, subtopic) {
    this.publish(value, topic, subtopic, { datatype: "json" });
  }

  /**
   * Publish `value` encoded with MessagePack.
   * @param {any} value
   * @param {string|number} topic
   * @param {string|number} [subtopic]
   */
  pubmsgpack(value, topic, subtopic) {
    this.publish(value, topic, subtopic, { datatype: "msgpack" });
  }

  /**
   * Subscribe to a topic (name, "self" or number) and optionally a sub-topic.
   * settings: `{onmsg(data, ptid, tid, subtid), onack(accepted, topic, tid, subtopic, subtid),
   * datatype}`; the second argument may be the settings (or just the onmsg function).
   * "self" and numbers not known as topic names only register callbacks locally.
   * Without onack a Promise is returned: resolves to the tid (own ETID for "self"),
   * rejects with SmqError code "denied" (or "closed").
   * @returns {Promise<number>|undefined}
   */
  subscribe(topic, subtopic, settings) {
    if (settings === undefined && (typeof subtopic === "function" || isPlainSettings(subtopic))) {
      settings = subtopic;
      subtopic = undefined;
    }
    if (typeof settings === "function") settings = { onmsg: settings };
    settings = settings ?? {};
    checkTopic(topic);
    checkSubtopic(subtopic);
    if (settings.datatype != null && !DATATYPES.has(settings.datatype)) {
      throw new TypeError(`SMQ: unknown datatype "${settings.datatype}"`);
    }
    const done = this.#completion(settings.onack);
    const entry = {
      attempt: () => this.#trySubscribe(topic, subtopic ?? undefined, settings, done),
      fail: (err) => done.finish(false, [topic, 0, subtopic, 0], err),
    };
    this.#submit(entry);
    return done.promise;
  }

  /**
   * Resolve a topic name to its tid, creating the topic if needed (no subscription).
   * Forms: create(topic, onack), create(topic, subtopic, onack), or without onack for a
   * Promise of the tid. onack(accepted, topic, tid[, subtopic, subtid]).
   * @returns {Promise<number>|undefined}
   */
  create(topic, subtopic, onack) {
    if (typeof subtopic === "function" && onack === undefined) {
      onack = subtopic;
      subtopic = undefined;
    }
    checkTopic(topic);
    checkSubtopic(subtopic);
    const withSub = subtopic !== undefined && subtopic !== null;
    const args = (tid, subtid) => (withSub ? [topic, tid, subtopic, subtid] : [topic, tid]);
    const done = this.#completion(onack);
    const entry = {
      attempt: () => this.#tryCreate(topic, withSub ? subtopic : undefined, args, done),
      fail: (err) => done.finish(false, args(0, 0), err),
    };
    this.#submit(entry);
    return done.promise;
  }

  /**
   * Resolve a sub-topic name to its id, creating it if needed. onack(accepted, name, id);
   * without onack a Promise of the id is returned.
   * @param {string|number} subtopic
   * @param {(accepted: boolean, name: string|number, id: number) => void} [onack]
   * @returns {Promise<number>|undefined}
   */
  createsub(subtopic, onack) {
    checkTopic(subtopic, "sub-topic");
    const done = this.#completion(onack);
    const entry = {
      attempt: () => {
        if (!this.#ready) return false;
        this.#subtopicId(subtopic, (err, id) => done.finish(!err, [subtopic, id], err, id));
        return true;
      },
      fail: (err) => done.finish(false, [subtopic, 0], err),
    };
    this.#submit(entry);
    return done.promise;
  }

  /**
   * Remove all callbacks of a topic and, if it was subscribed on the broker, send
   * Unsubscribe. "self" is only removed locally (an Unsubscribe of an ETID is meaningless).
   * @param {string|number} topic
   */
  unsubscribe(topic) {
    checkTopic(topic);
    this.#submit({ attempt: () => this.#tryUnsubscribe(topic), fail: () => {} });
  }

  /**
   * Observe a topic's subscriber count or another client's presence.
   * onchange(count, nameOrTid) is called on each Change; for a named topic right away with
   * the current count. For an ETID, count 0 means the client is gone (the observer is then
   * removed). Names are created first if unknown. "self" (and the own ETID) is ignored.
   * Returns a Promise of the observed id (undefined when ignored); it rejects with code
   * "denied" if the name cannot be created. The promise never causes an unhandled rejection.
   * @param {string|number} topic
   * @param {(count: number, nameOrTid: string|number) => void} onchange
   * @returns {Promise<number|undefined>}
   */
  observe(topic, onchange) {
    checkTopic(topic);
    if (typeof onchange !== "function") throw new TypeError("SMQ: observe needs an onchange function");
    const done = this.#completion(undefined);
    const entry = {
      attempt: () => this.#tryObserve(entry, topic, onchange, done),
      fail: (err) => {
        this.#report(err);
        done.finish(false, [], err);
      },
    };
    this.#submit(entry);
    return done.promise;
  }

  /**
   * Stop observing (sends Unobserve).
   * @param {string|number} topic
   */
  unobserve(topic) {
    checkTopic(topic);
    this.#submit({ attempt: () => this.#tryUnobserve(topic), fail: () => {} });
  }

  /**
   * Polite goodbye: send Disconnect and let the broker close the connection (forced after
   * `disconnectTimeout` ms). Final: no reconnect follows; onclose("disconnect", false).
   */
  disconnect() {
    if (this.#final) return;
    const ctx = this.#ctx;
    if (this.#state !== "connected" || !ctx || ctx.closed) {
      this.close();
      return;
    }
    this.#final = true;
    ctx.userDisconnect = true;
    this.#send(textPacket(T.DISCONNECT, ""));
    this.#timers.disconnect = this.#opt.setTimeout(() => {
      this.#timers.disconnect = null;
      this.#connectionLost(ctx, "disconnect", false);
    }, this.#opt.disconnectTimeout);
  }

  /**
   * Close the socket at once (no Disconnect) and stop reconnecting. Final. If a connection
   * or attempt was open, onclose("close", false) is called.
   */
  close() {
    if (this.#state === "closed") return;
    this.#final = true;
    const ctx = this.#ctx;
    if (ctx && !ctx.closed) this.#connectionLost(ctx, "close", false);
    else this.#stop();
  }

  /** Own ETID (0 before the first Connack; the last one while reconnecting). @returns {number} */
  gettid() {
    return this.#etid;
  }

  /** The current WebSocket (null while waiting to reconnect or after close). */
  getsock() {
    return this.#ctx && !this.#ctx.closed ? this.#ctx.sock : null;
  }

  /** True while connected to the broker (Connack received, socket open). @returns {boolean} */
  get connected() {
    return this.#state === "connected";
  }

  /** Cached tid of a topic name, or undefined. @param {string} name @returns {number|undefined} */
  topic2tid(name) {
    return this.#topicIds.get(name);
  }

  /** Cached topic name of a tid, or undefined. @param {number} tid @returns {string|undefined} */
  tid2topic(tid) {
    return this.#topicNames.get(tid);
  }

  /** Cached id of a sub-topic name, or undefined. @param {string} name @returns {number|undefined} */
  subtopic2tid(name) {
    return this.#subIds.get(name);
  }

  /** Cached sub-topic name of an id, or undefined. @param {number} id @returns {string|undefined} */
  tid2subtopic(id) {
    return this.#subNames.get(id);
  }

  // ----- command execution --------------------------------------------------------------

  // Runs a command now if nothing is waiting ahead of it, else queues it (bounded).
  #submit(entry) {
    if (this.#final) throw new SmqError("closed", "SMQ: client is closed");
    if (this.#queue.length === 0 && entry.attempt()) return;
    if (this.#queue.length >= this.#opt.maxQueue) {
      const err = new SmqError("queue-full", `SMQ: command queue full (${this.#opt.maxQueue} entries); call dropped`);
      this.#report(err);
      throw err;
    }
    this.#queue.push(entry);
  }

  // Runs queued commands in order until one cannot proceed yet.
  #drain() {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length && this.#ready) {
        if (!this.#queue[0].attempt()) break;
        this.#queue.shift();
      }
    } finally {
      this.#draining = false;
    }
  }

  // Removes a queued command that can never run (its name was denied) and reports it.
  #dropQueued(entry, err) {
    if (entry.dropped) return;
    entry.dropped = true;
    const i = this.#queue.indexOf(entry);
    if (i >= 0) this.#queue.splice(i, 1);
    entry.fail(err);
    this.#drain();
  }

  // Id of a name from the cache; if unknown, starts resolving it and returns undefined.
  // The entry is retried when the name resolves, dropped if it is denied.
  #need(entry, kind, name) {
    const id = (kind === "t" ? this.#topicIds : this.#subIds).get(name);
    if (id !== undefined) return id;
    entry.waiting ??= new Set();
    const key = kind + ":" + name;
    if (!entry.waiting.has(key)) {
      entry.waiting.add(key);
      this.#resolve(kind, name, (err) => {
        entry.waiting.delete(key);
        if (err) this.#dropQueued(entry, err);
        else this.#drain();
      });
    }
    return undefined;
  }

  // Resolves a topic ("t") or sub-topic ("s") name; cb(err, id). One request per name.
  #resolve(kind, name, cb) {
    const id = (kind === "t" ? this.#topicIds : this.#subIds).get(name);
    if (id !== undefined) {
      cb(null, id);
      return;
    }
    const key = kind + ":" + name;
    const waiters = this.#resolving.get(key);
    if (waiters) {
      waiters.push(cb);
      return;
    }
    this.#resolving.set(key, [cb]);
    this.#request(kind === "t" ? T.CREATE : T.CREATESUB, name, (ok, rid, err) => {
      const ws = this.#resolving.get(key) ?? [];
      this.#resolving.delete(key);
      for (const w of ws) w(ok ? null : err, rid);
    });
  }

  // Sub-topic id for a name or number; cb(err, id), synchronously when known.
  #subtopicId(subtopic, cb) {
    if (subtopic === undefined || subtopic === null) cb(null, 0);
    else if (typeof subtopic === "number") cb(null, subtopic);
    else this.#resolve("s", subtopic, cb);
  }

  // Sends a name request (Subscribe/Create/Createsub) and records it for its ack.
  // done(accepted, id, err) is called exactly once: on the ack, or on abandonment.
  #request(type, name, done, restore = false) {
    const req = { type, key: nameKey(name), name, packet: textPacket(type, name), done, seq: ++this.#seq, restore };
    if (this.#state === "connected") {
      this.#send(req.packet);
      this.#pending[ACK_OF[type]].push(req);
    } else {
      this.#inflight.push(req);
    }
    return req;
  }

  #tryPublish(entry, payload, topic, subtopic) {
    if (!this.#ready) return false;
    const tid = topic === SELF ? this.#etid : typeof topic === "number" ? topic : this.#need(entry, "t", topic);
    const subtid = typeof subtopic === "string" ? this.#need(entry, "s", subtopic) : subtopic ?? 0;
    if (tid === undefined || subtid === undefined) return false;
    this.#send(publishPacket(tid, this.#etid, subtid, payload));
    return true;
  }

  #trySubscribe(topic, subtopic, settings, done) {
    if (!this.#ready) return false;
    let name = topic;
    if (typeof topic === "number") {
      if (topic === this.#etid) name = SELF;
      else name = this.#topicNames.get(topic) ?? null;
    }
    // Start resolving the sub-topic first: its ack then precedes the Suback, so the
    // callback is in place before the first message of the subscription can arrive.
    const sub = onceValue();
    this.#subtopicId(subtopic, (err, id) => sub.set([err, id]));

    if (name === SELF || name === null) {
      const isSelf = name === SELF;
      const tid = isSelf ? this.#etid : topic;
      sub.get(([err, subtid]) => {
        if (err) return done.finish(false, [topic, tid, subtopic, 0], err);
        if (isSelf) this.#selfRec ??= newRecord();
        else if (!this.#local.has(tid)) this.#local.set(tid, newRecord());
        addEntry(isSelf ? this.#selfRec : this.#local.get(tid), subtopic, subtid, settings);
        done.finish(true, [topic, tid, subtopic, subtid], null, tid);
      });
      return true;
    }

    const attach = (tid) =>
      sub.get(([err, subtid]) => {
        const rec = this.#named.get(name);
        if (err) {
          // Topic subscribed but sub-topic refused: do not stay subscribed for nothing.
          if (rec && rec.wire && rec.named.size + rec.num.size === 0) {
            this.#named.delete(name);
            this.#send(idPacket(T.UNSUBSCRIBE, tid));
          }
          return done.finish(false, [topic, tid, subtopic, 0], err);
        }
        if (rec) addEntry(rec, subtopic, subtid, settings);
        done.finish(true, [topic, tid, subtopic, subtid], null, tid);
      });

    const existing = this.#named.get(name);
    if (existing?.wire) {
      attach(this.#topicIds.get(name));
      return true;
    }
    const req = this.#request(T.SUBSCRIBE, name, (ok, tid, err) => {
      if (!ok) return done.finish(false, [topic, 0, subtopic, 0], err);
      if (req.cancelled) {
        this.#cancelledSuback(req, tid);
        return done.finish(true, [topic, tid, subtopic, 0], null, tid);
      }
      const rec = this.#named.get(name) ?? newRecord();
      rec.wire = true;
      this.#named.set(name, rec);
      attach(tid);
    });
    return true;
  }

  // An unsubscribe() overtook this Subscribe: undo it on the broker unless the app
  // subscribed the name again meanwhile.
  #cancelledSuback(req, tid) {
    if (this.#named.has(req.name)) return;
    const later = this.#pending[T.SUBACK].some((r) => r.name === req.name && !r.cancelled);
    if (!later && this.#state === "connected") this.#send(idPacket(T.UNSUBSCRIBE, tid));
  }

  #tryCreate(topic, subtopic, args, done) {
    if (!this.#ready) return false;
    if (topic === SELF || typeof topic === "number") {
      // Nothing to create: answer locally (after the sub-topic, if any).
      const tid = topic === SELF ? this.#etid : topic;
      this.#subtopicId(subtopic, (err, subtid) => done.finish(!err, args(tid, subtid ?? 0), err, tid));
      return true;
    }
    let tRes, sRes;
    const finish = () => {
      if (!tRes || !sRes) return;
      const err = tRes[0] ?? sRes[0];
      done.finish(!err, args(tRes[1] ?? 0, sRes[1] ?? 0), err, tRes[1]);
    };
    this.#resolve("t", topic, (err, id) => {
      tRes = [err, err ? 0 : id];
      finish();
    });
    this.#subtopicId(subtopic, (err, id) => {
      sRes = [err, err ? 0 : id];
      finish();
    });
    return true;
  }

  #tryUnsubscribe(topic) {
    if (!this.#ready) return false;
    if (topic === SELF || topic === this.#etid) {
      this.#selfRec = null; // never on the wire: an ETID is not a topic
      return true;
    }
    const name = typeof topic === "number" ? this.#topicNames.get(topic) : topic;
    if (typeof topic === "number") this.#local.delete(topic);
    if (name === undefined) return true;
    for (const r of this.#pending[T.SUBACK]) if (r.name === name) r.cancelled = true;
    const rec = this.#named.get(name);
    this.#named.delete(name);
    const tid = this.#topicIds.get(name);
    if (rec?.wire && tid !== undefined) this.#send(idPacket(T.UNSUBSCRIBE, tid));
    return true;
  }

  #tryObserve(entry, topic, onchange, done) {
    if (!this.#ready) return false;
    if (topic === SELF || topic === this.#etid) {
      done.finish(true, [], null, undefined); // the broker ignores Observe of oneself
      return true;
    }
    const id = typeof topic === "number" ? topic : this.#need(entry, "t", topic);
    if (id === undefined) return false;
    if (typeof topic === "string") this.#obsNamed.set(topic, { onchange });
    else this.#obsIds.set(topic, { onchange });
    this.#send(idPacket(T.OBSERVE, id));
    done.finish(true, [], null, id);
    return true;
  }

  #tryUnobserve(topic) {
    if (!this.#ready) return false;
    const id = typeof topic === "number" ? topic : this.#topicIds.get(topic);
    if (typeof topic === "string") this.#obsNamed.delete(topic);
    else this.#obsIds.delete(topic);
    if (id !== undefined && id !== this.#etid) this.#send(idPacket(T.UNOBSERVE, id));
    return true;
  }

  // Callback or promise completion for the ack-style methods. finish(ok, args, err, value):
  // calls onack(ok, ...args) or settles the promise with value / err. Callbacks run
  // asynchronously so that cached answers and broker answers behave alike.
  #completion(onack) {
    if (typeof onack === "function") {
      let called = false;
      return {
        promise: undefined,
        finish: (ok, args, err) => {
          // A request abandoned because the client stopped is not a denial: the app
          // learns about it from onclose, as with the reference client.
          if (called || err?.code === "closed") return;
          called = true;
          queueMicrotask(() => this.#callUser(onack, ok, ...args));
        },
      };
    }
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // an ignored denial must not become an unhandled rejection
    return { promise, finish: (ok, args, err, value) => (ok ? resolve(value) : reject(err)) };
  }

  // ----- connection ---------------------------------------------------------------------

  #open(first = false) {
    this.#state = "opening";
    let sock;
    try {
      sock = new this.#opt.WebSocket(this.#url);
    } catch (e) {
      if (first) throw e;
      this.#ctx = null;
      this.#callUser(this.onclose, String(e?.message ?? e), false);
      this.#stop();
      return;
    }
    sock.binaryType = "arraybuffer";
    const ctx = { sock, closed: false, userDisconnect: false };
    this.#ctx = ctx;
    listen(sock, "message", (ev) => this.#onMessage(ctx, ev));
    listen(sock, "close", (ev) => this.#onSocketClose(ctx, ev));
    // Browsers and ws follow an error with a close event, which does the work.
    listen(sock, "error", () => {});
  }

  #onSocketClose(ctx, ev) {
    if (ctx.closed) return;
    if (ctx.userDisconnect) return this.#connectionLost(ctx, "disconnect", false);
    const reason = ev?.reason ? String(ev.reason) : `connection closed (code ${ev?.code ?? "unknown"})`;
    this.#connectionLost(ctx, reason, true);
  }

  #onMessage(ctx, ev) {
    if (ctx.closed || ctx !== this.#ctx) return;
    const p = messageBytes(ev?.data);
    if (!p || p.length === 0) return this.#protocolError(ctx, "empty or non-binary WebSocket message");
    this.#armIdle();
    const type = p[0];
    if (type === T.DISCONNECT) return this.#onDisconnect(ctx, p);
    switch (this.#state) {
      case "opening":
        return type === T.INIT ? this.#onInit(ctx, p) : this.#protocolError(ctx, `expected Init, got type ${type}`);
      case "handshake":
        return type === T.CONNACK ? this.#onConnack(ctx, p) : this.#protocolError(ctx, `expected Connack, got type ${type}`);
      case "connected":
        return this.#onPacket(ctx, type, p);
      default:
        return undefined;
    }
  }

  #onPacket(ctx, type, p) {
    switch (type) {
      case T.PUBLISH:
        return p.length < 13 ? this.#protocolError(ctx, "short Publish") : this.#dispatch(p);
      case T.SUBACK:
      case T.CREATEACK:
      case T.CREATESUBACK:
        return p.length < 6 ? this.#protocolError(ctx, "short ack") : this.#onAck(type, p);
      case T.CHANGE:
        return p.length < 9 ? this.#protocolError(ctx, "short Change") : this.#onChange(readU32(p, 1), readU32(p, 5));
      case T.PING:
        return this.#send(new Uint8Array([T.PONG]));
      case T.PONG:
        return undefined; // #armIdle already counted it as traffic
      default:
        return this.#protocolError(ctx, `unexpected packet type ${type}`);
    }
  }

  #onInit(ctx, p) {
    if (p.length < 6) return this.#protocolError(ctx, "short Init");
    if (p[1] !== 1) return this.#connectionLost(ctx, `unsupported Init version ${p[1]}`, false);
    this.#seed = readU32(p, 2);
    this.#ip = lenientDecoder.decode(p.subarray(6));
    // The default UID is made once, from the first Init: keeping it across reconnects lets
    // the broker hand this client its old ETID when the old connection is still registered.
    this.#uid ??= utf8Encode(this.#ip + this.#seed);
    let cred;
    try {
      cred = this.onauth ? this.onauth.call(this, this.#seed, this.#ip) : undefined;
    } catch (e) {
      this.#report(e);
      return this.#connectionLost(ctx, "onauth failed", false);
    }
    this.#state = "handshake";
    if (cred && typeof cred.then === "function") {
      cred.then(
        (c) => this.#sendConnect(ctx, c),
        (e) => {
          this.#report(e);
          this.#connectionLost(ctx, "onauth failed", false);
        },
      );
    } else this.#sendConnect(ctx, cred);
  }

  #sendConnect(ctx, cred) {
    if (ctx.closed) return;
    let credBytes;
    try {
      credBytes = cred === undefined || cred === null ? new Uint8Array(0) : toBytes(cred);
    } catch (e) {
      this.#report(e);
      return this.#connectionLost(ctx, "bad credentials from onauth", false);
    }
    if (credBytes.length > 255) return this.#connectionLost(ctx, "credentials longer than 255 bytes", false);
    if (this.#uid.length > 255) return this.#connectionLost(ctx, "uid longer than 255 bytes", false);
    this.#send(connectPacket(this.#uid, credBytes, this.#opt.info));
  }

  #onConnack(ctx, p) {
    if (p.length < 6) return this.#protocolError(ctx, "short Connack");
    const code = p[1];
    if (code !== 0) {
      const reason = lenientDecoder.decode(p.subarray(6)) || `connection refused (code ${code})`;
      // Code 2 is "server unavailable" (busy, shutting down, handshake timeout): transient.
      return this.#connectionLost(ctx, reason, code === 2);
    }
    const etid = readU32(p, 2);
    if (etid === 0) return this.#protocolError(ctx, "Connack with ETID 0");
    const oldEtid = this.#etid;
    const first = !this.#everConnected;
    this.#etid = etid;
    this.#state = "connected";
    this.#everConnected = true;
    this.#attempt = 0;
    this.#armIdle();
    if (first) {
      this.#cacheEtid = etid;
      this.#resume(this.onconnect);
    } else if (this.#opt.cleanstart) {
      this.#forgetAll();
      this.#cacheEtid = etid;
      this.#resume(this.onreconnect);
    } else {
      this.#restore(oldEtid);
    }
  }

  // Cleanstart: nothing of the old session is replayed; names are re-resolved on demand.
  #forgetAll() {
    for (const m of [this.#topicIds, this.#topicNames, this.#subIds, this.#subNames]) m.clear();
    this.#named.clear();
    this.#local.clear();
    this.#selfRec = null;
    this.#obsNamed.clear();
    this.#obsIds.clear();
  }

  // Non-cleanstart reconnect: bring the broker-side state back, then resume.
  // On a different ETID the broker may have restarted, so every cached name is resolved
  // again (new ids simply replace old ones: callbacks are kept by name). Sub-topics go
  // first, so their ids are known before any subscribed message can arrive.
  #restore(oldEtid) {
    const connCtx = this.#ctx;
    const fresh = this.#cacheEtid !== this.#etid || oldEtid !== this.#etid;
    let outstanding = 1;
    const step = () => {
      if (--outstanding === 0 && this.#ctx === connCtx && !connCtx.closed) this.#finishRestore();
    };
    const ask = (type, name, onResult) => {
      outstanding++;
      this.#request(type, name, (ok, id, err) => {
        if (err?.code === "closed") return; // connection lost meanwhile: next restore redoes it
        onResult(ok, id, err);
        step();
      }, true);
    };
    if (fresh) {
      for (const name of [...this.#subIds.keys()]) {
        ask(T.CREATESUB, name, (ok, id, err) => ok || this.#forgetName("s", name, err));
      }
      for (const name of [...this.#topicIds.keys()]) {
        if (this.#named.has(name)) continue;
        ask(T.CREATE, name, (ok, id, err) => ok || this.#forgetName("t", name, err));
      }
    }
    for (const [name, rec] of this.#named) {
      ask(T.SUBSCRIBE, name, (ok, id, err) => {
        if (ok) rec.wire = true;
        else {
          this.#named.delete(name);
          this.#forgetName("t", name, err);
        }
      });
    }
    step();
  }

  #forgetName(kind, name, err) {
    const [ids, names] = kind === "t" ? [this.#topicIds, this.#topicNames] : [this.#subIds, this.#subNames];
    const id = ids.get(name);
    ids.delete(name);
    if (id !== undefined && names.get(id) === name) names.delete(id);
    this.#report(new SmqError("denied", `SMQ: re-creating ${kind === "t" ? "topic" : "sub-topic"} "${name}" after reconnect was denied (${err?.message ?? "denied"})`));
  }

  #finishRestore() {
    for (const [name, o] of this.#obsNamed) {
      const tid = this.#topicIds.get(name);
      if (tid === undefined) this.#obsNamed.delete(name);
      else this.#send(idPacket(T.OBSERVE, tid));
    }
    for (const id of this.#obsIds.keys()) {
      if (id === this.#etid) this.#obsIds.delete(id);
      else this.#send(idPacket(T.OBSERVE, id));
    }
    this.#cacheEtid = this.#etid;
    this.#resume(this.onreconnect);
  }

  // Connection usable: re-send unanswered requests, run the queue, tell the app.
  #resume(callback) {
    this.#ready = true;
    const inflight = this.#inflight.sort((a, b) => a.seq - b.seq);
    this.#inflight = [];
    for (const req of inflight) {
      this.#send(req.packet);
      this.#pending[ACK_OF[req.type]].push(req);
    }
    this.#drain();
    this.#callUser(callback, this.#etid, this.#seed, this.#ip);
  }

  #onDisconnect(ctx, p) {
    const reason = lenientDecoder.decode(p.subarray(1)) || "disconnect";
    // "shutdown" is a stopping broker (likely to come back); any other reason, notably
    // "reconnect" (our UID logged in elsewhere), must not trigger a reconnect loop.
    this.#connectionLost(ctx, reason, reason === "shutdown");
  }

  #protocolError(ctx, detail) {
    this.#report(new SmqError("protocol", `SMQ: protocol error: ${detail}`));
    this.#connectionLost(ctx, "protocol error", true);
  }

  // The one place a connection ends. Calls onclose and decides about reconnecting:
  // a number from onclose = reference behaviour (that delay, at least 1000 ms); false =
  // stop; otherwise automatic backoff when enabled and the loss is recoverable.
  #connectionLost(ctx, message, canReconnect) {
    if (ctx.closed) return;
    ctx.closed = true;
    this.#clearTimer("idle");
    this.#clearTimer("pong");
    this.#clearTimer("disconnect");
    try {
      ctx.sock.close();
    } catch {
      // already closed or never opened: nothing to release
    }
    this.#state = "waiting";
    this.#ready = false;
    this.#parkRequests();
    for (const rec of this.#named.values()) rec.wire = false;

    const wasFinal = this.#final;
    const verdict = this.#callUser(this.onclose, message, wasFinal ? false : canReconnect);
    if (this.#final) return this.#stop(); // final before, or close() called inside onclose

    let delay = null;
    if (typeof verdict === "number" && Number.isFinite(verdict)) delay = Math.max(1000, verdict);
    else if (verdict !== false && this.#opt.reconnect && canReconnect) {
      delay = backoffDelay(this.#attempt, this.#opt);
      this.#attempt++;
    }
    if (delay === null) return this.#stop();
    this.#timers.reconnect = this.#opt.setTimeout(() => {
      this.#timers.reconnect = null;
      if (!this.#final) this.#open();
    }, delay);
  }

  // Unanswered requests of the lost connection are re-sent after reconnecting.
  // Restore requests are dropped: the next restore starts over.
  #parkRequests() {
    for (const list of Object.values(this.#pending)) {
      for (const req of list.splice(0)) {
        if (req.restore) req.done(false, 0, new SmqError("closed", "connection lost"));
        else this.#inflight.push(req);
      }
    }
  }

  // Final stop: every waiting command and request learns that it will never complete.
  #stop() {
    this.#final = true;
    this.#state = "closed";
    this.#ready = false;
    for (const key of Object.keys(this.#timers)) this.#clearTimer(key);
    const err = new SmqError("closed", "SMQ: client closed");
    // Take the queue first so that requests failing below do not report entries twice.
    const queue = this.#queue.splice(0);
    for (const entry of queue) entry.dropped = true;
    this.#parkRequests();
    for (const req of this.#inflight.splice(0)) req.done(false, 0, err);
    for (const entry of queue) entry.fail(err);
    // Publishes have no other channel to tell the app: say once how many were dropped.
    if (queue.length) this.#report(new SmqError("closed", `SMQ: ${queue.length} queued command(s) dropped: client closed`));
  }

  // ----- incoming packets ---------------------------------------------------------------

  #dispatch(p) {
    const tid = readU32(p, 1);
    const ptid = readU32(p, 5);
    const subtid = readU32(p, 9);
    const payload = p.slice(13); // a copy, so that data.buffer is the payload alone
    const entry = this.#findEntry(tid, subtid);
    if (entry) {
      const data = decodePayload(payload, entry.datatype);
      if (data !== UNDECODABLE) {
        this.#callUser(entry.onmsg, data, ptid, tid, subtid);
        return;
      }
      // Undecodable for the subscription's datatype: the default handler gets the raw bytes.
    }
    this.#callUser(this.onmsg, payload, ptid, tid, subtid);
  }

  // Exact (tid, subtid) callback first, then the topic's catch-all (sub-topic 0).
  #findEntry(tid, subtid) {
    const recs = [];
    if (tid === this.#etid && this.#selfRec) recs.push(this.#selfRec);
    const name = this.#topicNames.get(tid);
    if (name !== undefined && this.#named.has(name)) recs.push(this.#named.get(name));
    if (this.#local.has(tid)) recs.push(this.#local.get(tid));
    if (subtid !== 0) {
      const subname = this.#subNames.get(subtid);
      for (const rec of recs) {
        const e = rec.num.get(subtid) ?? (subname !== undefined ? rec.named.get(subname) : undefined);
        if (e) return e;
      }
    }
    for (const rec of recs) {
      const e = rec.num.get(0);
      if (e) return e;
    }
    return undefined;
  }

  // Acks are matched by type and echoed name; the oldest request with that name wins,
  // which is right because the broker answers in request order.
  #onAck(type, p) {
    const status = p[1];
    const id = readU32(p, 2);
    const key = lenientDecoder.decode(p.subarray(6));
    const list = this.#pending[type];
    const i = list.findIndex((r) => r.key === key);
    if (i < 0) {
      this.#report(new SmqError("protocol", `SMQ: unexpected ack (type ${type}) for "${key}"`));
      return;
    }
    const [req] = list.splice(i, 1);
    const ok = status === 0 && id !== 0;
    if (ok) this.#remember(type === T.CREATESUBACK ? "s" : "t", req.name, id);
    const what = type === T.CREATESUBACK ? "sub-topic" : "topic";
    req.done(ok, ok ? id : 0, ok ? null : new SmqError("denied", `SMQ: ${what} "${req.name}" denied by the broker`));
    // A command waiting for this name (e.g. an observe behind a subscribe) may go now.
    if (ok) this.#drain();
  }

  // Keeps the name <-> id maps bijective when an id or name moves (broker restart).
  #remember(kind, name, id) {
    const [ids, names] = kind === "t" ? [this.#topicIds, this.#topicNames] : [this.#subIds, this.#subNames];
    const oldId = ids.get(name);
    if (oldId !== undefined && oldId !== id && names.get(oldId) === name) names.delete(oldId);
    const oldName = names.get(id);
    if (oldName !== undefined && oldName !== name && ids.get(oldName) === id) ids.delete(oldName);
    ids.set(name, id);
    names.set(id, name);
  }

  #onChange(id, count) {
    const name = this.#topicNames.get(id);
    const named = name !== undefined ? this.#obsNamed.get(name) : undefined;
    const byId = this.#obsIds.get(id);
    if (named) this.#callUser(named.onchange, count, name);
    if (byId) {
      this.#callUser(byId.onchange, count, name ?? id);
      // Count 0 for something that is not a topic: that client is gone for good.
      if (count === 0 && name === undefined && this.#obsIds.get(id) === byId) this.#obsIds.delete(id);
    }
  }

  // ----- plumbing -----------------------------------------------------------------------

  #send(bytes) {
    const sock = this.#ctx?.sock;
    if (!sock || this.#ctx.closed || sock.readyState !== OPEN) return false;
    try {
      sock.send(bytes);
      return true;
    } catch (e) {
      this.#report(e);
      return false;
    }
  }

  // Client keepalive: after `ping` seconds without a received packet send Ping, then give
  // the broker `pongTimeout` seconds to send anything before declaring the link dead.
  #armIdle() {
    if (!this.#opt.ping || this.#state !== "connected") return;
    this.#clearTimer("pong");
    this.#clearTimer("idle");
    const ctx = this.#ctx;
    this.#timers.idle = this.#opt.setTimeout(() => {
      this.#timers.idle = null;
      if (ctx.closed) return;
      this.#send(new Uint8Array([T.PING]));
      this.#timers.pong = this.#opt.setTimeout(() => {
        this.#timers.pong = null;
        this.#connectionLost(ctx, "ping timeout", true);
      }, this.#opt.pongTimeout * 1000);
    }, this.#opt.ping * 1000);
  }

  #clearTimer(key) {
    if (this.#timers[key] !== null) {
      this.#opt.clearTimeout(this.#timers[key]);
      this.#timers[key] = null;
    }
  }

  // User callbacks must not break the client: exceptions are reported, not propagated.
  #callUser(fn, ...args) {
    if (typeof fn !== "function") return undefined;
    try {
      return fn.apply(this, args);
    } catch (e) {
      this.#report(e);
      return undefined;
    }
  }

  #report(err) {
    if (typeof this.onerror === "function") {
      try {
        this.onerror(err);
        return;
      } catch {
        // fall through to the console
      }
    }
    console.warn(err?.message ?? err);
  }
}

function addEntry(rec, subtopic, subtid, settings) {
  if (typeof settings.onmsg !== "function") return; // wire subscription only
  const entry = { onmsg: settings.onmsg, datatype: settings.datatype ?? null };
  if (typeof subtopic === "string") rec.named.set(subtopic, entry);
  else rec.num.set(subtid, entry);
}

// A value that arrives later; get(cb) runs cb now or when set.
function onceValue() {
  let done = false;
  let value;
  const waiters = [];
  return {
    set(v) {
      if (done) return;
      done = true;
      value = v;
      for (const w of waiters.splice(0)) w(v);
    },
    get(cb) {
      if (done) cb(value);
      else waiters.push(cb);
    },
  };
}

function listen(sock, type, fn) {
  if (typeof sock.addEventListener === "function") sock.addEventListener(type, fn);
  else sock["on" + type] = fn;
}

/**
 * Create a client: `SMQ.Client(url?, opt?)`, with or without `new`. A single object
 * argument is taken as the options; a missing url means `SMQ.wsURL()`.
 * @param {string|URL|object} [url]
 * @param {object} [opt]
 * @returns {SmqClient}
 */
export function Client(url, opt) {
  return new SmqClient(url, opt);
}
// `x instanceof SMQ.Client` holds for clients made with or without `new`.
Client.prototype = SmqClient.prototype;

/** Package version. */
export const version = "0.1.0";

/** The SMQ namespace object, as the reference client's global `SMQ`. */
const SMQ = Object.freeze({ Client, wsURL, websocket, utf8, backoffDelay, SmqError, PacketType, MAX_PAYLOAD, version });
export { SMQ };
export default SMQ;

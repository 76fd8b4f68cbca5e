// Type declarations for smq-client (src/smq.js).

/** Topic designator: a topic name, "self" (own ETID) or a numeric topic id / client ETID. */
export type Topic = string | number;
/** Sub-topic designator: a sub-topic name or a numeric sub-topic id (0 = none). */
export type SubTopic = string | number;
/** Payload data types. "binary" (the default) delivers/accepts bytes. */
export type DataType = "text" | "json" | "msgpack" | "binary";
/** Binary data accepted by publish(). Strings are sent as UTF-8. */
export type BinaryData = Uint8Array | ArrayBuffer | ArrayBufferView | ArrayLike<number>;

/** Minimal WebSocket surface the client uses (browser WebSocket, Node >= 22, or the `ws` package). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener?(type: string, listener: (ev: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** Unique client id (6..255 bytes). Default: Init IP text + seed of the first connection, kept for reconnects. */
  uid?: string | Uint8Array;
  /** Free-form client info sent with Connect. */
  info?: string | Uint8Array;
  /** true: nothing of the previous session (subscriptions, observers, name caches) is replayed after a reconnect. */
  cleanstart?: boolean;
  /** WebSocket constructor; default globalThis.WebSocket (needed in Node 18 and 20, e.g. `import { WebSocket } from "ws"`). */
  WebSocket?: WebSocketConstructor;
  /** Automatic reconnect with exponential backoff and full jitter (default true). */
  reconnect?: boolean;
  /** Initial backoff cap in ms (default 1000). */
  reconnectDelay?: number;
  /** Largest backoff cap in ms (default 30000). */
  maxReconnectDelay?: number;
  /** Most commands kept while not connected or waiting for a name (default 1000). Overflow throws "queue-full". */
  maxQueue?: number;
  /** Client keepalive: seconds without a received packet before sending Ping (default 0 = off). */
  ping?: number;
  /** Seconds to wait for any packet after a keepalive Ping before closing (default 10). */
  pongTimeout?: number;
  /** ms to wait for the broker to close after disconnect() before closing locally (default 2000). */
  disconnectTimeout?: number;
  /** Random source in [0, 1) for the backoff jitter (testing). */
  random?: () => number;
  /** Timer functions (testing). */
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void };
  onauth?: SmqClient["onauth"];
  onconnect?: SmqClient["onconnect"];
  onreconnect?: SmqClient["onreconnect"];
  onclose?: SmqClient["onclose"];
  onmsg?: SmqClient["onmsg"];
  onerror?: SmqClient["onerror"];
}

/** Message callback. `data` is a Uint8Array, or decoded per the subscription's datatype. */
export type MessageCallback<D = any> = (data: D, ptid: number, tid: number, subtid: number) => void;

/** onack of subscribe() and of create(topic, subtopic, onack). */
export type SubscribeAck = (accepted: boolean, topic: Topic, tid: number, subtopic: SubTopic | undefined, subtid: number) => void;
/** onack of create(topic, onack) and createsub(). */
export type NameAck = (accepted: boolean, name: Topic, id: number) => void;

export interface SubscribeSettings<D = any> {
  /** Callback for this topic (and sub-topic); without it, messages go to the client's onmsg. */
  onmsg?: MessageCallback<D>;
  /** Acknowledgement; when omitted subscribe() returns a Promise. */
  onack?: SubscribeAck;
  /** Decode payloads as "text", "json", "msgpack" (undecodable payloads go to client.onmsg as bytes). */
  datatype?: DataType;
}

export interface PublishOptions {
  /** How to encode `data`: "json" / "msgpack" encode any value, "text" sends String(data) as UTF-8. */
  datatype?: DataType;
}

export type ErrorCode = "denied" | "queue-full" | "closed" | "too-large" | "protocol";

export declare class SmqError extends Error {
  constructor(code: ErrorCode | string, message: string);
  readonly code: ErrorCode | string;
}

export interface SmqClient {
  /** Called with the Init seed and IP; returns the credentials (string/bytes, or a Promise of them). */
  onauth: ((seed: number, ip: string) => string | BinaryData | null | undefined | Promise<string | BinaryData | null | undefined>) | null;
  /** First successful connection. */
  onconnect: ((etid: number, seed: number, ip: string) => void) | null;
  /** Every later successful connection, after state restore and queue flush. */
  onreconnect: ((etid: number, seed: number, ip: string) => void) | null;
  /**
   * Connection ended. Return a number (ms, at least 1000) to reconnect after that delay,
   * false to stop, anything else for the automatic policy (reconnect option + canReconnect).
   */
  onclose: ((message: string, canReconnect: boolean) => number | false | void | unknown) | null;
  /** Messages no subscription callback takes (default: logs). */
  onmsg: MessageCallback<Uint8Array> | null;
  /** Non-fatal problems: queue overflow, denied names of queued publishes, callback exceptions, protocol errors (default: console.warn). */
  onerror: ((err: Error) => void) | null;

  /** True while connected (Connack received, socket open). */
  readonly connected: boolean;

  publish(data: string | BinaryData, topic: Topic, subtopic?: SubTopic | null, options?: PublishOptions): void;
  publish(data: any, topic: Topic, options: PublishOptions): void;
  pubjson(value: any, topic: Topic, subtopic?: SubTopic | null): void;
  pubmsgpack(value: any, topic: Topic, subtopic?: SubTopic | null): void;

  subscribe(topic: Topic, settings: SubscribeSettings & { onack: SubscribeAck }): void;
  subscribe(topic: Topic, subtopic: SubTopic | null | undefined, settings: SubscribeSettings & { onack: SubscribeAck }): void;
  subscribe(topic: Topic, settings?: SubscribeSettings | MessageCallback): Promise<number>;
  subscribe(topic: Topic, subtopic: SubTopic | null | undefined, settings?: SubscribeSettings | MessageCallback): Promise<number>;

  create(topic: Topic, onack: NameAck): void;
  create(topic: Topic, subtopic: SubTopic, onack: SubscribeAck): void;
  /** Promise of the topic id. */
  create(topic: Topic, subtopic?: SubTopic | null): Promise<number>;
  createsub(subtopic: SubTopic, onack: NameAck): void;
  /** Promise of the sub-topic id. */
  createsub(subtopic: SubTopic): Promise<number>;

  unsubscribe(topic: Topic): void;
  /** Promise of the observed id (undefined for "self"); rejects with code "denied" if the name cannot be created. */
  observe(topic: Topic, onchange: (count: number, nameOrTid: string | number) => void): Promise<number | undefined>;
  unobserve(topic: Topic): void;

  /** Send Disconnect and let the broker close; final. */
  disconnect(): void;
  /** Close the socket now; final. */
  close(): void;

  gettid(): number;
  getsock(): WebSocketLike | null;
  topic2tid(name: string): number | undefined;
  tid2topic(tid: number): string | undefined;
  subtopic2tid(name: string): number | undefined;
  tid2subtopic(id: number): string | undefined;
}

export interface ClientConstructor {
  new (url?: string | URL, opt?: ClientOptions): SmqClient;
  new (opt: ClientOptions): SmqClient;
  (url?: string | URL, opt?: ClientOptions): SmqClient;
  (opt: ClientOptions): SmqClient;
  readonly prototype: SmqClient;
}

/** Create a client, with or without `new`. */
export declare const Client: ClientConstructor;
/** ws:/wss: URL for the page's host and port; `path` resolved against the page (default: the page's path). */
export declare function wsURL(path?: string): string;
/** True when a global WebSocket constructor exists. */
export declare function websocket(): boolean;
/** Backoff delay (ms) for a reconnect attempt: uniform in [0, min(max, base * 2^attempt)). */
export declare function backoffDelay(attempt: number, opt?: { reconnectDelay?: number; maxReconnectDelay?: number; random?: () => number }): number;

export declare const utf8: {
  readonly length: (str: string) => number;
  readonly encode: (str: string) => Uint8Array;
  readonly decode: (bytes: BinaryData, start?: number, end?: number) => string | null;
};

export declare const PacketType: Readonly<{
  INIT: 1; CONNECT: 2; CONNACK: 3; SUBSCRIBE: 4; SUBACK: 5; CREATE: 6; CREATEACK: 7; PUBLISH: 8;
  UNSUBSCRIBE: 9; DISCONNECT: 11; PING: 12; PONG: 13; OBSERVE: 14; UNOBSERVE: 15; CHANGE: 16;
  CREATESUB: 17; CREATESUBACK: 18;
}>;
/** Largest Publish payload (0xFFF0). */
export declare const MAX_PAYLOAD: 65520;
export declare const version: string;

declare const SMQ: {
  readonly Client: typeof Client;
  readonly wsURL: typeof wsURL;
  readonly websocket: typeof websocket;
  readonly utf8: typeof utf8;
  readonly backoffDelay: typeof backoffDelay;
  readonly SmqError: typeof SmqError;
  readonly PacketType: typeof PacketType;
  readonly MAX_PAYLOAD: typeof MAX_PAYLOAD;
  readonly version: string;
};
export { SMQ };
export default SMQ;

// Shared by every page: the SMQ client module (also exposed as window.SMQ, like the
// reference smq.js global, for the browser console and the end-to-end tests), the
// connection-state indicator and small DOM helpers. User data only ever goes into the DOM
// through textContent / attributes, never as HTML.
import "./style.css";
import SMQ from "./smq.js";

window.SMQ = SMQ;
export { SMQ };

/**
 * Creates an element. `props`: className, text (textContent), dataset, attrs, on{Event}.
 * Children are nodes or strings (strings become text nodes).
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [a, v] of Object.entries(value)) node.setAttribute(a, String(v));
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** "14:03:07.123" (local time). */
export function clock(date = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

const STATE_TEXT = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "disconnected, reconnecting…",
  closed: "disconnected",
};

/**
 * Creates the page's client (same origin: the page's own URL is the WebSocket URL) and
 * keeps the header's connection indicator (#conn) up to date. `hooks.up(etid, first)` runs
 * after every successful (re)connection, `hooks.down(message)` when a connection ends.
 */
export function connect(hooks = {}, options = {}) {
  const indicator = document.getElementById("conn");
  const show = (state, detail = "") => {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = STATE_TEXT[state] + (detail ? ` ${detail}` : "");
    indicator.title = `WebSocket ${SMQ.wsURL()}`;
  };
  show("connecting");
  const smq = new SMQ.Client(options);
  window.smq = smq; // for the console and the tests
  smq.onconnect = (etid) => {
    show("connected", `(ETID ${etid})`);
    hooks.up?.(etid, true);
  };
  smq.onreconnect = (etid) => {
    show("connected", `(ETID ${etid})`);
    hooks.up?.(etid, false);
  };
  smq.onclose = (message, canReconnect) => {
    show(canReconnect ? "reconnecting" : "closed", `(${message})`);
    hooks.down?.(message, canReconnect);
    return undefined; // automatic policy: reconnect with backoff when possible
  };
  smq.onerror = (err) => {
    console.warn("smq:", err?.code ?? "", err?.message ?? err);
    hooks.error?.(err);
  };
  return smq;
}

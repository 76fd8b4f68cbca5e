// The dashboard's tables: topics with subscribers and message rates (the "topicz" part of
// "$smq/stats", the same fields as the monitor's /topicz) and connections (the
// "$smq/connections" reports, the /connz fields). Both are bounded by the broker (the
// first rows plus the total). Browser main thread. User data goes in as text only.
import { h } from "../common.js";
import { bytes, int, rate } from "./format.js";

const hex = (n) => `0x${(Number(n) >>> 0).toString(16).padStart(8, "0")}`;

function empty(body, columns, text) {
  body.replaceChildren(h("tr", {}, h("td", { colSpan: columns, className: "muted", text })));
}

function shown(caption, count, total, noun) {
  if (!caption) return;
  caption.textContent = total > count ? `First ${int.format(count)} of ${int.format(total)} ${noun}.` : `${int.format(total)} ${noun}.`;
}

/** `listing`: {total, topics: [{tid, name, subscribers, messages, messages_per_second}]}. */
export function renderTopics(body, caption, listing, { hideIdle }) {
  let topics = Array.isArray(listing?.topics) ? listing.topics : [];
  const total = Number(listing?.total) || 0;
  shown(caption, topics.length, total, "topics");
  if (hideIdle) topics = topics.filter((t) => Number(t.subscribers) > 0);
  if (topics.length === 0) return empty(body, 6, "No topics yet.");
  const most = Math.max(1, ...topics.map((t) => Number(t.subscribers) || 0));
  body.replaceChildren(
    ...topics.map((t) => {
      const n = Number(t.subscribers) || 0;
      return h(
        "tr",
        { dataset: { topic: String(t.name) } },
        h("td", { className: "name", text: String(t.name) }),
        h("td", { className: "num subscribers", text: int.format(n) }),
        h("td", { className: "barcell" }, h("div", { className: "bar", style: `width:${(100 * n) / most}%` })),
        h("td", { className: "num rate", text: rate(Number(t.messages_per_second) || 0) }),
        h("td", { className: "num messages", text: int.format(Number(t.messages) || 0) }),
        h("td", { className: "num mono", text: hex(t.tid), title: String(Number(t.tid) >>> 0) }),
      );
    }),
  );
}

function since(text) {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? String(text) : d.toLocaleString();
}

/**
 * `listing`: {total, connections: [...]} as /connz. `action(row)` returns an extra cell's
 * content for a row (the admin's Disconnect button), or null.
 */
export function renderConnections(body, caption, listing, { action } = {}) {
  const rows = Array.isArray(listing?.connections) ? listing.connections : [];
  shown(caption, rows.length, Number(listing?.total) || 0, "connections");
  if (rows.length === 0) return empty(body, 12, "No connections.");
  body.replaceChildren(
    ...rows.map((c) =>
      h(
        "tr",
        { dataset: { etid: String(c.etid) } },
        h("td", { className: "num mono etid", text: hex(c.etid), title: String(c.etid) }),
        h("td", { className: "name uid", text: String(c.uid ?? "") }),
        h("td", { className: "user", text: c.user ? String(c.user) : "–" }),
        h("td", { className: "mono", text: String(c.address ?? "") }),
        h("td", { text: `${c.transport}${c.tls ? " + TLS" : ""}` }),
        h("td", { text: since(c.since) }),
        h("td", { className: "num", text: int.format(Number(c.subscriptions) || 0) }),
        h("td", { className: "num", text: bytes(Number(c.queued_bytes) || 0) }),
        h("td", { className: "num", text: `${int.format(Number(c.messages_in) || 0)} / ${int.format(Number(c.messages_out) || 0)}` }),
        h("td", { className: "num", text: `${bytes(Number(c.bytes_in) || 0)} / ${bytes(Number(c.bytes_out) || 0)}` }),
        h("td", { className: "action" }, action?.(c) ?? null),
      ),
    ),
  );
}

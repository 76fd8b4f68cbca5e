// Dashboard: subscribes to "$smq/stats" (JSON the broker's in-process client publishes once
// per stats interval while somebody subscribes, see broker/stats.cpp) and shows the
// figures, two rate charts (dashboard/chart.js), the most subscribed topics and the
// connections ("$smq/connections", dashboard/tables.js).
// The client reconnects by itself after a broker restart and subscribes again.
import { connect, h } from "./common.js";
import { makeChart } from "./dashboard/chart.js";
import { bytes, duration, int, rate } from "./dashboard/format.js";
import { renderConnections, renderTopics } from "./dashboard/tables.js";

const STATS_TOPIC = "$smq/stats";
const CONNECTIONS_TOPIC = "$smq/connections";
// The broker keeps the charts' last minutes; a page asks the server client (the publisher of
// the reports) on this sub-topic and gets the points back on its own ETID.
const HISTORY_SUBTOPIC = "stats-history";

const updated = document.getElementById("updated");
const statsBox = document.getElementById("stats");
const topicsBody = document.getElementById("topics");

let last = null; // {time (ms), stats}
let interval = 1000; // estimated report period (ms)

const hideIdle = document.getElementById("hide-idle");
const topicsCaption = document.getElementById("topics-shown");
const connectionsBody = document.getElementById("connections");
const connectionsCaption = document.getElementById("connections-shown");

const FORMAT = {
  uptime: duration,
  "load.messages_in": rate,
  "load.messages_out": rate,
  "load.bytes_in": (v) => bytes(v, "/s"),
  "load.bytes_out": (v) => bytes(v, "/s"),
  "reserved.rates.messages_out": rate,
  "reserved.rates.bytes_out": (v) => bytes(v, "/s"),
  "totals.bytes_in": (v) => bytes(v),
  "totals.bytes_out": (v) => bytes(v),
};

function pick(obj, path) {
  return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

const msgChart = makeChart(document.getElementById("chart-messages"), { binary: false, format: rate });
const byteChart = makeChart(document.getElementById("chart-bytes"), { binary: true, format: (v) => bytes(v, "/s") });

// ----- stats ----------------------------------------------------------------------------------

// The clients' load: the rates without the broker's own reports on "$smq/..." topics (this
// page's subscription among them), which the broker counts in its rates too.
function load(stats) {
  const r = stats.rates ?? {};
  const own = stats.reserved?.rates ?? {};
  const minus = (a, b) => (typeof a === "number" ? Math.max(0, a - (b ?? 0)) : null);
  return {
    messages_in: minus(r.messages_in, own.messages_in),
    messages_out: minus(r.messages_out, own.messages_out),
    bytes_in: minus(r.bytes_in, 0),
    bytes_out: minus(r.bytes_out, own.bytes_out),
  };
}

// What was really lost or refused (unlike "no subscriber", which loses nothing).
function losses(stats) {
  const n = (v) => (typeof v === "number" ? v : 0);
  const t = stats.totals ?? {};
  return {
    total:
      n(t.slow_consumers) + n(t.write_timeouts) + n(stats.limits?.rate_dropped) +
      n(stats.denied?.publish) + n(stats.denied?.subscribe),
  };
}

function render(stats) {
  stats = { ...stats, load: load(stats), losses: losses(stats) };
  for (const node of statsBox.querySelectorAll("[data-stat]")) {
    const key = node.dataset.stat;
    const v = pick(stats, key);
    if (typeof v !== "number") continue;
    node.dataset.value = String(v);
    node.textContent = (FORMAT[key] ?? ((x) => int.format(x)))(v);
  }
  const t = Date.now() / 1000;
  const r = stats.load;
  msgChart.push(t, r.messages_in ?? null, r.messages_out ?? null);
  byteChart.push(t, r.bytes_in ?? null, r.bytes_out ?? null);
  lastTopics = stats.topicz;
  showTopics();
}

let lastTopics = null;
const showTopics = () => renderTopics(topicsBody, topicsCaption, lastTopics, { hideIdle: hideIdle.checked });
hideIdle.addEventListener("change", showTopics);

function gap() {
  // A null point breaks the lines while the broker is unreachable.
  const t = Date.now() / 1000;
  msgChart.push(t, null, null);
  byteChart.push(t, null, null);
}

let historyAsked = false;

const smq = connect({
  down: () => {
    historyAsked = false; // a restarted broker has its own history: ask again
    if (last) {
      gap();
      last.afterGap = true; // the next report's distance is no period estimate
    }
    statsBox.classList.add("stale");
  },
});

// Points are [seconds before the newest, messages in, out, bytes in, out], oldest first.
smq.subscribe("self", HISTORY_SUBTOPIC, {
  datatype: "json",
  onmsg: (history) => {
    if (!Array.isArray(history?.points) || history.points.length === 0) return;
    const newest = (last?.time ?? Date.now()) / 1000;
    const at = (p) => newest - p[0];
    msgChart.prepend(history.points.map((p) => [at(p), p[1], p[2]]));
    byteChart.prepend(history.points.map((p) => [at(p), p[3], p[4]]));
    document.body.dataset.historyPoints = String(history.points.length);
    document.body.dataset.historyPeakIn = String(Math.max(...history.points.map((p) => p[1])));
  },
});

smq.subscribe(STATS_TOPIC, {
  datatype: "json",
  onmsg: (stats, ptid) => {
    if (stats === null || typeof stats !== "object") return;
    if (!historyAsked && ptid) {
      historyAsked = true;
      smq.publish("{}", ptid, HISTORY_SUBTOPIC);
    }
    const now = Date.now();
    if (last && !last.afterGap) interval = Math.min(60000, Math.max(50, 0.7 * interval + 0.3 * (now - last.time)));
    last = { time: now, stats };
    statsBox.classList.remove("stale");
    render(stats);
  },
});

// Freshness line; goes stale when reports stop although the connection is up.
setInterval(() => {
  if (!last) return;
  const age = Date.now() - last.time;
  const down = !smq.connected;
  const stale = down || age > Math.max(3000, 3 * interval);
  statsBox.classList.toggle("stale", stale);
  updated.dataset.stale = String(stale);
  updated.textContent = down
    ? `Not connected; the figures are from ${Math.round(age / 1000)} s ago.`
    : stale
      ? `No report for ${Math.round(age / 1000)} s.`
      : `Updated ${Math.max(0, age / 1000).toFixed(1)} s ago (every ${(interval / 1000).toFixed(interval < 1000 ? 2 : 1)} s).`;
}, 250);

smq.subscribe(CONNECTIONS_TOPIC, {
  datatype: "json",
  onmsg: (listing) => {
    if (listing === null || typeof listing !== "object") return;
    renderConnections(connectionsBody, connectionsCaption, listing);
  },
});

// Dashboard: subscribes to "$smq/stats" (JSON the broker's in-process client publishes once
// per stats interval while somebody subscribes, see broker/stats.cpp) and shows the
// figures, two rate charts over the last two minutes and the most subscribed topics.
// The client reconnects by itself after a broker restart and subscribes again.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { connect, h } from "./common.js";

const WINDOW_S = 120; // seconds of history in the charts
const STATS_TOPIC = "$smq/stats";

const updated = document.getElementById("updated");
const statsBox = document.getElementById("stats");
const topicsBody = document.getElementById("topics");

let last = null; // {time (ms), stats}
let interval = 1000; // estimated report period (ms)

// ----- formatting -------------------------------------------------------------------------

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function rate(v) {
  return v >= 100 || v === 0 ? int.format(v) : dec.format(v);
}

function bytes(v, suffix = "") {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? int.format(v) : dec.format(v)} ${units[i]}${suffix}`;
}

function duration(seconds) {
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (d) return `${d}d ${hh}h ${mm}m`;
  if (hh) return `${hh}h ${mm}m ${s}s`;
  if (mm) return `${mm}m ${s}s`;
  return `${s}s`;
}

const FORMAT = {
  uptime: duration,
  "rates.messages_in": rate,
  "rates.messages_out": rate,
  "rates.bytes_in": (v) => bytes(v, "/s"),
  "rates.bytes_out": (v) => bytes(v, "/s"),
  "totals.bytes_in": (v) => bytes(v),
  "totals.bytes_out": (v) => bytes(v),
};

function hms(seconds) {
  const d = new Date(seconds * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function pick(obj, path) {
  return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

// ----- charts ---------------------------------------------------------------------------------

function makeChart(container, label, format) {
  const data = [[], [], []];
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--muted").trim() || "#667085";
  const grid = css.getPropertyValue("--line").trim() || "#dde1e8";
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  // Legend: the value under the cursor, or the newest one when the cursor is elsewhere.
  const legendValue = (u, v, sidx, idx) => {
    if (idx == null) v = u.data[sidx].at(-1);
    return v == null ? "–" : format(v);
  };
  const plot = new uPlot(
    {
      width: Math.max(300, container.clientWidth),
      height: 220,
      cursor: { drag: { x: false, y: false } },
      scales: {
        // A fixed window that ends at the newest point: the lines grow in from the right.
        x: { time: true, range: (u, min, max) => [max - WINDOW_S, max] },
        y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
      },
      series: [
        { label: "time", value: (u, v, sidx, idx) => ((idx == null ? u.data[0].at(-1) : v) == null ? "–" : hms(idx == null ? u.data[0].at(-1) : v)) },
        { label: "in", stroke: "#2563eb", width: 2, value: legendValue },
        { label: "out", stroke: "#16a34a", width: 2, dash: [6, 3], value: legendValue },
      ],
      axes: [
        { ...axis, space: 90, values: (u, vals) => vals.map((t) => hms(t)) },
        { ...axis, size: 76, values: (u, vals) => vals.map((v) => format(v)) },
      ],
    },
    data,
    container,
  );
  new ResizeObserver(() => {
    const w = Math.max(300, container.clientWidth);
    if (w !== plot.width) plot.setSize({ width: w, height: 220 });
  }).observe(container);
  return {
    push(t, a, b) {
      data[0].push(t);
      data[1].push(a);
      data[2].push(b);
      while (data[0].length && data[0][0] < t - WINDOW_S) for (const s of data) s.shift();
      plot.setData(data);
    },
  };
}

const msgChart = makeChart(document.getElementById("chart-messages"), "messages/s", rate);
const byteChart = makeChart(document.getElementById("chart-bytes"), "bytes/s", (v) => bytes(v, "/s"));

// ----- stats ----------------------------------------------------------------------------------

function render(stats) {
  for (const node of statsBox.querySelectorAll("[data-stat]")) {
    const key = node.dataset.stat;
    const v = pick(stats, key);
    if (typeof v !== "number") continue;
    node.dataset.value = String(v);
    node.textContent = (FORMAT[key] ?? ((x) => int.format(x)))(v);
  }
  const t = Date.now() / 1000;
  const r = stats.rates ?? {};
  msgChart.push(t, r.messages_in ?? null, r.messages_out ?? null);
  byteChart.push(t, r.bytes_in ?? null, r.bytes_out ?? null);
  renderTopics(Array.isArray(stats.top_topics) ? stats.top_topics : []);
}

function renderTopics(topics) {
  if (topics.length === 0) {
    topicsBody.replaceChildren(h("tr", {}, h("td", { colSpan: 4, className: "muted", text: "No topics yet." })));
    return;
  }
  const most = Math.max(1, ...topics.map((t) => Number(t.subscribers) || 0));
  topicsBody.replaceChildren(
    ...topics.map((t) => {
      const n = Number(t.subscribers) || 0;
      const tid = Number(t.tid) >>> 0;
      return h(
        "tr",
        { dataset: { topic: String(t.name) } },
        h("td", { className: "name", text: String(t.name) }),
        h("td", { className: "num subscribers", text: int.format(n) }),
        h("td", { style: "width:30%" }, h("div", { className: "bar", style: `width:${(100 * n) / most}%` })),
        h("td", { className: "num mono", text: `0x${tid.toString(16).padStart(8, "0")}`, title: String(tid) }),
      );
    }),
  );
}

function gap() {
  // A null point breaks the lines while the broker is unreachable.
  const t = Date.now() / 1000;
  msgChart.push(t, null, null);
  byteChart.push(t, null, null);
}

const smq = connect({
  down: () => {
    if (last) {
      gap();
      last.afterGap = true; // the next report's distance is no period estimate
    }
    statsBox.classList.add("stale");
  },
});

smq.subscribe(STATS_TOPIC, {
  datatype: "json",
  onmsg: (stats) => {
    if (stats === null || typeof stats !== "object") return;
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

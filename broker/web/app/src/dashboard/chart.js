// One rate chart of the dashboard (uPlot): "in" and "out" over a fixed window that ends at
// the newest point. The y axis uses round ticks in the unit printed (format.js axisTicks);
// the ticks drawn are mirrored in the container's data-y-ticks (label and vertical
// position) so that the browser tests can check what the canvas shows. Browser main thread.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { axisTicks, hms, tickLabel } from "./format.js";

export const WINDOW_S = 600; // seconds of history in the charts (the broker keeps as much)
const HEIGHT = 220; // px
const MIN_WIDTH = 240; // px: fits a 375 px phone screen with the page's margins
// Room above the top tick so that its label (drawn centred on the tick) is not cut off.
const TOP_PADDING = 12; // px
const LABEL_FONT = "12px system-ui, sans-serif";

export function makeChart(container, { binary, format }) {
  const data = [[], [], []];
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--muted").trim() || "#667085";
  const grid = css.getPropertyValue("--line").trim() || "#dde1e8";
  const axisStyle = { stroke: fg, font: LABEL_FONT, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  let yAxis = axisTicks(0, binary);
  // Legend: the value under the cursor, or the newest one when the cursor is elsewhere.
  const legendValue = (u, v, sidx, idx) => {
    if (idx == null) v = u.data[sidx].at(-1);
    return v == null ? "–" : format(v);
  };
  const timeValue = (u, v, sidx, idx) => {
    const t = idx == null ? u.data[0].at(-1) : v;
    return t == null ? "–" : hms(t);
  };
  const width = () => Math.max(MIN_WIDTH, container.clientWidth);
  const plot = new uPlot(
    {
      width: width(),
      height: HEIGHT,
      padding: [TOP_PADDING, 8, null, null],
      cursor: { drag: { x: false, y: false } },
      scales: {
        // A fixed window that ends at the newest point: the lines grow in from the right.
        x: { time: true, range: (u, min, max) => [max - WINDOW_S, max] },
        y: {
          range: (u, min, max) => {
            yAxis = axisTicks(max, binary);
            return [0, yAxis.top];
          },
        },
      },
      series: [
        { label: "time", value: timeValue },
        { label: "in", stroke: "#2563eb", width: 2, value: legendValue },
        { label: "out", stroke: "#16a34a", width: 2, dash: [6, 3], value: legendValue },
      ],
      axes: [
        { ...axisStyle, space: 90, values: (u, vals) => vals.map((t) => hms(t)) },
        {
          ...axisStyle,
          size: binary ? 84 : 60,
          splits: () => yAxis.ticks,
          values: (u, vals) => vals.map((v) => tickLabel(v, yAxis, binary)),
        },
      ],
      hooks: {
        draw: [
          (u) => {
            const top = u.bbox.top / uPlot.pxRatio;
            container.dataset.yTicks = JSON.stringify(
              yAxis.ticks.map((v) => ({ label: tickLabel(v, yAxis, binary), y: top + u.valToPos(v, "y") })),
            );
            container.dataset.points = String(u.data[0].length);
            container.dataset.oldest = String(u.data[0][0] ?? "");
          },
        ],
      },
    },
    data,
    container,
  );
  new ResizeObserver(() => {
    const w = width();
    if (w !== plot.width) plot.setSize({ width: w, height: HEIGHT });
  }).observe(container);
  const trim = () => {
    const newest = data[0].at(-1);
    while (data[0].length && data[0][0] < newest - WINDOW_S) for (const s of data) s.shift();
  };
  return {
    push(t, a, b) {
      data[0].push(t);
      data[1].push(a);
      data[2].push(b);
      trim();
      plot.setData(data);
    },
    // Earlier points (the broker's history), oldest first, in front of what is shown.
    prepend(points) {
      const first = data[0][0] ?? Infinity;
      const older = points.filter((p) => p[0] < first);
      data[0].unshift(...older.map((p) => p[0]));
      data[1].unshift(...older.map((p) => p[1]));
      data[2].unshift(...older.map((p) => p[2]));
      trim();
      plot.setData(data);
    },
  };
}

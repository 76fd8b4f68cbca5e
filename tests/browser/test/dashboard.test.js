// dashboard.html: live figures from "$smq/stats" (connections, rates, top topics), charts,
// and the connection indicator across a broker restart.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertNoProblems,
  browserSuite,
  closePage,
  hookOptions,
  openPage,
  screenshot,
  startBroker,
  startSuite,
  stopSuite,
  until,
  waitConnectedIndicator,
} from "../lib/harness.js";

const TOPIC = "dash/e2e-topic";
const stat = (page, key) =>
  page.$eval(`[data-stat="${key}"]`, (el) => (el.dataset.value === undefined ? null : Number(el.dataset.value)));

browserSuite("dashboard page", { timeout: 90_000 }, () => {
  let broker;
  let browser;

  before(async () => {
    ({ broker, browser } = await startSuite({ statsInterval: 250 }));
  }, hookOptions);

  after(() => stopSuite({ broker, browser }), hookOptions);

  test("shows live numbers, rates after traffic and a topic the test created", async () => {
    const dash = await openPage(browser, broker, "dashboard.html");
    const traffic = await openPage(browser, broker, "index.html");
    try {
      await until(async () => (await stat(dash, "clients.total")) >= 1, { what: "client count" });
      await until(async () => (await stat(dash, "clients.websocket")) >= 2, { what: "both pages counted" });
      assert.equal(await stat(dash, "clients.raw"), 0);

      // Traffic: a subscriber (the traffic page itself) and a steady stream of publishes.
      await traffic.evaluate(async (topic) => {
        await smq.subscribe(topic, { datatype: "text", onmsg: () => {} });
        let i = 0;
        window.pump = setInterval(() => {
          for (let k = 0; k < 5; k++) smq.publish(`tick ${i++}`, topic);
        }, 20);
      }, TOPIC);
      // The pump sends about 250 messages/s; the broker's own reports (4/s here) are shown
      // apart, not as load.
      const busy = 20;
      await until(async () => (await stat(dash, "load.messages_in")) > busy, { what: `messages_in > ${busy}` });
      await until(async () => (await stat(dash, "load.messages_out")) > busy, { what: `messages_out > ${busy}` });
      await until(async () => (await stat(dash, "load.bytes_in")) > busy * 10, { what: "bytes_in rate" });
      assert.ok((await stat(dash, "reserved.rates.messages_out")) > 0, "the broker's reports are shown apart");
      const row = await dash.waitForSelector(`#topics tr[data-topic="${TOPIC}"]`);
      assert.equal(await row.$eval("td.name", (td) => td.textContent), TOPIC);
      assert.equal(await row.$eval("td.subscribers", (td) => td.textContent), "1");
      assert.ok((await stat(dash, "topics")) >= 2);
      assert.ok((await stat(dash, "totals.published")) > 0);
      // The broker's own "$smq/stats" topic is listed too, with the dashboard subscribed.
      const stats = dash.locator('#topics tr[data-topic="$smq/stats"] td.subscribers');
      assert.ok(Number(await stats.textContent()) >= 1);
      // Both charts are drawn, and the human-readable rate is shown.
      assert.equal(await dash.locator(".uplot canvas").count(), 2);
      assert.match(await dash.textContent('[data-stat="load.bytes_in"]'), /B\/s$/);
      assert.match(await dash.textContent("#updated"), /^Updated/);
      await new Promise((r) => setTimeout(r, 1500)); // a few more points in the charts
      await screenshot(dash, "dashboard");
      await traffic.evaluate(() => clearInterval(pump));
      assertNoProblems(assert, dash, traffic);
    } finally {
      await closePage(traffic);
      await closePage(dash);
    }
  });

  test("connections table and per-topic message rates, from the same data as /connz and /topicz", async () => {
    const dash = await openPage(browser, broker, "dashboard.html");
    const traffic = await openPage(browser, broker, "index.html");
    try {
      const etid = await traffic.evaluate(() => smq.gettid());
      const row = await dash.waitForSelector(`#connections tr[data-etid="${etid}"]`);
      assert.match(await row.textContent(), /websocket/);
      assert.match(await row.$eval("td:nth-child(4)", (td) => td.textContent), /^127\.0\.0\.1(:\d+)?$/);
      assert.match(await dash.textContent("#connections-shown"), /\d+ connections\./);
      const topic = `${TOPIC}/rates`;
      await traffic.evaluate(async (t) => {
        await smq.subscribe(t, { datatype: "text", onmsg: () => {} });
        window.pump = setInterval(() => {
          for (let k = 0; k < 5; k++) smq.publish("rate", t);
        }, 20);
      }, topic);
      const rateCell = `#topics tr[data-topic="${topic}"] td.rate`;
      await until(async () => Number((await dash.textContent(rateCell).catch(() => "0")).replace(/,/g, "")) > 20, {
        what: "topic rate > 20/s",
      });
      // The traffic page's own counters grow in its row (messages in / out).
      await until(
        async () => {
          const text = await dash.$eval(`#connections tr[data-etid="${etid}"] td:nth-child(9)`, (td) => td.textContent);
          const [inCount] = text.split(" / ").map((x) => Number(x.replace(/,/g, "")));
          return inCount > 50;
        },
        { what: "per-connection messages in" },
      );
      await traffic.evaluate(() => clearInterval(pump));
      // A connection that leaves drops out of the table.
      await closePage(traffic);
      await until(async () => (await dash.$(`#connections tr[data-etid="${etid}"]`)) === null, {
        what: "closed connection gone",
      });
      assertNoProblems(assert, dash);
    } finally {
      if (!traffic.isClosed()) await closePage(traffic);
      await closePage(dash);
    }
  });

  test("byte-rate axis: round ticks in the unit printed, ascending, every label inside the chart", async () => {
    const dash = await openPage(browser, broker, "dashboard.html");
    const traffic = await openPage(browser, broker, "index.html");
    try {
      // About 100,000 B/s: 10 messages of 1,000 bytes every 100 ms, to a subscriber.
      await traffic.evaluate(async (topic) => {
        await smq.subscribe(topic, { datatype: "text", onmsg: () => {} });
        const payload = "x".repeat(1000);
        window.pump = setInterval(() => {
          for (let k = 0; k < 10; k++) smq.publish(payload, topic);
        }, 100);
      }, `${TOPIC}/bytes`);
      await until(async () => (await stat(dash, "load.bytes_in")) > 50_000, { what: "bytes_in > 50,000 B/s" });
      // Let the chart's maximum settle on traffic of that size.
      await until(async () => /KiB/.test(await dash.$eval("#chart-bytes", (el) => el.dataset.yTicks ?? "")), {
        what: "KiB ticks",
      });
      const { ticks, height } = await dash.$eval("#chart-bytes", (el) => ({
        ticks: JSON.parse(el.dataset.yTicks),
        height: el.querySelector("canvas").getBoundingClientRect().height,
      }));
      assert.ok(ticks.length >= 3, `ticks: ${JSON.stringify(ticks)}`);
      assert.equal(ticks[0].label, "0 B/s");
      const values = ticks.slice(1).map((t) => {
        const m = /^([\d,.]+) KiB\/s$/.exec(t.label);
        assert.ok(m, `label "${t.label}" is in KiB/s`);
        return Number(m[1].replace(/,/g, ""));
      });
      // Round steps of the printed unit: 1, 2 or 5 × 10^n KiB, the same between all ticks.
      const step = values[0];
      assert.match(String(step), /^(1|2|5)0*$/, `step ${step} KiB`);
      values.forEach((v, i) => assert.equal(v, step * (i + 1), `tick ${i + 1} is ${step * (i + 1)} KiB/s`));
      // Higher values higher up, and each label (12 px, centred on its tick) fully drawn.
      for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].y < ticks[i - 1].y, "ascending upwards");
      for (const t of ticks) assert.ok(t.y - 6 >= 0 && t.y + 6 <= height, `"${t.label}" at y=${t.y} inside 0..${height}`);
      await traffic.evaluate(() => clearInterval(pump));
      assertNoProblems(assert, dash, traffic);
    } finally {
      await closePage(traffic);
      await closePage(dash);
    }
  });

  test("idle dashboard: its own reports are not load; losses apart from no-subscriber drops", async () => {
    const dash = await openPage(browser, broker, "dashboard.html");
    const quiet = await openPage(browser, broker, "index.html");
    try {
      // Nobody else publishes: the broker's reports to this page are its only traffic.
      await until(async () => (await stat(dash, "reserved.rates.messages_out")) > 0, { what: "own reports counted" });
      assert.equal(await stat(dash, "load.messages_out"), 0);
      assert.equal(await stat(dash, "load.messages_in"), 0);
      // A publish nobody receives is "no subscriber", not a loss.
      const before = await stat(dash, "totals.dropped");
      const lost = await stat(dash, "losses.total");
      await quiet.evaluate(() => smq.publish("into the void", "dash/nobody-listens"));
      await until(async () => (await stat(dash, "totals.dropped")) > before, { what: "no-subscriber count" });
      assert.equal(await stat(dash, "losses.total"), lost);
      assert.match(await dash.textContent("#stats"), /no subscriber/);
      // The topic without subscribers is listed, and hidden with the checkbox.
      const idle = '#topics tr[data-topic="dash/nobody-listens"]';
      await dash.waitForSelector(idle);
      await dash.check("#hide-idle");
      await until(async () => (await dash.$(idle)) === null, { what: "idle topic hidden" });
      assert.ok(await dash.$('#topics tr[data-topic="$smq/stats"]'), "subscribed topics stay");
      await dash.uncheck("#hide-idle");
      await dash.waitForSelector(idle);
      assertNoProblems(assert, dash, quiet);
    } finally {
      await closePage(quiet);
      await closePage(dash);
    }
  });

  test("opens with the broker's history in the charts, including load from before it opened", async () => {
    const traffic = await openPage(browser, broker, "index.html");
    const watcher = await openPage(browser, broker, "dashboard.html");
    let dash;
    try {
      // Load while no dashboard of this test is open yet: about 100 messages/s for a while.
      await traffic.evaluate(async (topic) => {
        await smq.subscribe(topic, { datatype: "text", onmsg: () => {} });
        window.pump = setInterval(() => smq.publish("before", topic), 10);
      }, `${TOPIC}/history`);
      await until(async () => (await stat(watcher, "load.messages_in")) > 20, { what: "load seen" });
      await traffic.evaluate(() => clearInterval(pump));
      await until(async () => (await stat(watcher, "load.messages_in")) === 0, { what: "load over" });
      const uptime = await stat(watcher, "uptime");
      await closePage(watcher);

      const opened = Date.now() / 1000;
      dash = await openPage(browser, broker, "dashboard.html");
      await until(async () => Number((await dash.evaluate(() => document.body.dataset.historyPoints)) ?? 0) > 0, {
        what: "history received",
      });
      const chart = await dash.$eval("#chart-messages", (el) => ({ points: Number(el.dataset.points), oldest: Number(el.dataset.oldest) }));
      // A sample every 250 ms since the broker started (capped at the broker's 600); timers
      // drift on a busy machine, so ask for half of that: still far more than the few points
      // the page could have drawn itself since it opened.
      const expected = Math.min(600, Math.floor(uptime * 2));
      assert.ok(chart.points >= expected, `${chart.points} points, expected >= ${expected} after ${uptime} s`);
      assert.ok(chart.oldest < opened - 1, `oldest point ${chart.oldest} is older than the page (${opened})`);
      // The load from before the page opened is in the history.
      const peak = Number(await dash.evaluate(() => document.body.dataset.historyPeakIn));
      assert.ok(peak > 20, `the history's peak is ${peak} messages/s`);
      assertNoProblems(assert, dash, traffic);
    } finally {
      if (dash) await closePage(dash);
      await closePage(traffic);
    }
  });

  test("phone screen: no sideways scrolling", async () => {
    const dash = await openPage(browser, broker, "dashboard.html", { viewport: { width: 375, height: 667 } });
    try {
      await until(async () => (await stat(dash, "uptime")) !== null, { what: "first report" });
      await dash.waitForSelector("#chart-bytes canvas");
      const { scroll, inner } = await dash.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      assert.ok(scroll <= inner, `scrollWidth ${scroll} <= innerWidth ${inner}`);
      await screenshot(dash, "dashboard-phone");
      assertNoProblems(assert, dash);
    } finally {
      await closePage(dash);
    }
  });

  test("survives a broker restart: disconnected indicator, then live numbers again", async () => {
    const dash = await openPage(browser, broker, "dashboard.html");
    try {
      await until(async () => (await stat(dash, "uptime")) !== null, { what: "first report" });
      const port = broker.port;
      await broker.stop(); // graceful: Disconnect "shutdown"
      await dash.waitForSelector('#conn[data-state="reconnecting"]');
      await dash.waitForSelector("#stats.stale");
      await dash.waitForFunction(() => /^Not connected/.test(document.getElementById("updated").textContent));
      await screenshot(dash, "dashboard-disconnected");
      // Fresh reports from the new process: its uptime counts from about now. (Timed from
      // before the start, not from the reconnect: the page's backoff may reconnect seconds
      // after the broker is up.)
      const start = Date.now();
      broker = await startBroker({ port, statsInterval: 250 });
      await waitConnectedIndicator(dash, 20_000);
      await until(async () => {
        const up = await stat(dash, "uptime");
        return up !== null && up < (Date.now() - start) / 1000 + 2 && !(await dash.$("#stats.stale"));
      }, { what: "reports from the restarted broker", timeout: 15_000 });
      assert.ok((await stat(dash, "clients.total")) >= 1);
      await screenshot(dash, "dashboard-after-restart");
    } finally {
      await closePage(dash);
    }
  });
});

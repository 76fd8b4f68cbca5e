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
      // The broker counts its own stats publishes too (1 per interval, here 4/s), so look
      // for clearly more than that: the pump sends about 250 messages/s.
      const busy = 20;
      await until(async () => (await stat(dash, "rates.messages_in")) > busy, { what: `messages_in > ${busy}` });
      await until(async () => (await stat(dash, "rates.messages_out")) > busy, { what: `messages_out > ${busy}` });
      await until(async () => (await stat(dash, "rates.bytes_in")) > busy * 10, { what: "bytes_in rate" });
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
      assert.match(await dash.textContent('[data-stat="rates.bytes_in"]'), /B\/s$/);
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

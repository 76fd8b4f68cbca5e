// hello5.html: publish to "hello", the broker's server code (--hello5) answers with five
// direct messages one second apart, shown with their arrival times.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertNoProblems,
  browserSuite,
  closePage,
  hookOptions,
  openPage,
  screenshot,
  startSuite,
  stopSuite,
} from "../lib/harness.js";

browserSuite("hello5 page", { timeout: 60_000 }, () => {
  let broker;
  let browser;

  before(async () => {
    ({ broker, browser } = await startSuite());
  }, hookOptions);

  after(() => stopSuite({ broker, browser }), hookOptions);

  test("shows the five replies, one per second", async () => {
    const page = await openPage(browser, broker, "hello5.html");
    try {
      // The server client subscribes to "hello", so the hint stays hidden.
      await page.waitForFunction(() => window.smq?.topic2tid("hello") !== undefined);
      assert.equal(await page.isHidden("#hello-warning"), true);

      const text = "e2e <b>bold</b> ✓";
      await page.fill("#hello-text", text);
      await page.click("#hello-send");
      await page.waitForFunction(() => document.querySelectorAll("#replies li.reply").length >= 5, null, {
        timeout: 12_000,
      });
      const replies = await page.$$eval("#replies li.reply", (lis) =>
        lis.map((li) => ({
          text: li.querySelector(".text").textContent,
          delta: li.querySelector(".delta").textContent,
          time: li.querySelector(".time").textContent,
          ptid: li.dataset.ptid,
        })),
      );
      assert.deepEqual(
        replies.map((r) => r.text),
        [1, 2, 3, 4, 5].map((n) => `Hello, you said '${text}' (${n} of 5)`),
      );
      assert.ok(replies.every((r) => r.ptid === "1"), "replies come from the server client, ETID 1");
      assert.ok(replies.every((r) => /^\d\d:\d\d:\d\d\.\d{3}$/.test(r.time)), "timestamps shown");
      const deltas = replies.map((r) => Number(/^\+([\d.]+) s$/.exec(r.delta)[1]));
      assert.ok(deltas[0] < 1, `first reply right away (${deltas[0]} s)`);
      for (let i = 1; i < 5; i++) {
        const step = deltas[i] - deltas[i - 1];
        assert.ok(step > 0.7 && step < 1.6, `reply ${i + 1} about 1 s after the previous one (${step.toFixed(2)} s)`);
      }
      assert.equal(await page.locator("#replies b").count(), 0, "user text is not HTML");
      assert.equal(await page.locator("#replies li.sent").count(), 1);
      await screenshot(page, "hello5");
      assertNoProblems(assert, page);
    } finally {
      await closePage(page);
    }
  });
});

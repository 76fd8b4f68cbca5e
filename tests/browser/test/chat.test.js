// chat.html between two pages: member lists (join / here / ETID supervision), a room
// message, a private message, user text shown as text, and a closed tab leaving the list.
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

const ROOM = "chat/e2e-room";

async function join(page, nick, room = ROOM) {
  await page.fill("#nick", nick);
  await page.fill("#room", room);
  await page.click("#join");
  await page.waitForSelector("#text:not([disabled])");
  await page.waitForFunction((nick) => document.querySelector("#members li.me")?.textContent === `${nick} (you)`, nick);
}

const memberNicks = (page) => page.$$eval("#members li:not(.me) button", (bs) => bs.map((b) => b.textContent));
const messages = (page) =>
  page.$$eval("#messages li", (lis) =>
    lis.map((li) => ({
      kind: li.dataset.kind,
      nick: li.querySelector(".nick")?.textContent ?? null,
      text: li.querySelector(".text")?.textContent ?? li.textContent,
      tag: li.querySelector(".tag")?.textContent ?? null,
      elements: li.querySelectorAll(".text *").length,
    })),
  );

browserSuite("chat page", { timeout: 90_000 }, () => {
  let broker;
  let browser;

  before(async () => {
    ({ broker, browser } = await startSuite());
  }, hookOptions);

  after(() => stopSuite({ broker, browser }), hookOptions);

  test("two members see each other, chat in the room and privately; a closed tab leaves the list", async () => {
    const alice = await openPage(browser, broker, "chat.html");
    const bob = await openPage(browser, broker, "chat.html");
    let bobClosed = false;
    try {
      await join(alice, "alice");
      await until(async () => (await alice.textContent("#room-count")) === "1", { what: "room count 1" });
      await join(bob, "bob <img src=x onerror=alert(1)>");

      // Bob learns about alice from her direct "here" answer; alice about bob from "join".
      await until(async () => (await memberNicks(bob)).join() === "alice", { what: "bob sees alice" });
      await until(async () => (await memberNicks(alice)).join() === "bob <img src=x onerror=alert(1)>", {
        what: "alice sees bob",
      });
      await until(async () => (await alice.textContent("#room-count")) === "2", { what: "room count 2 (alice)" });
      await until(async () => (await bob.textContent("#room-count")) === "2", { what: "room count 2 (bob)" });
      assert.equal(await alice.textContent("#member-count"), "(2)");
      assert.equal(await alice.locator("#members img").count(), 0, "nick rendered as text");

      // A room message reaches both.
      await alice.fill("#text", "hello room <script>x</script> ✓");
      await alice.click("#send");
      for (const page of [alice, bob]) {
        await until(async () => (await messages(page)).some((m) => m.kind === "room" && m.text === "hello room <script>x</script> ✓"), {
          what: "room message",
        });
      }
      const bobSees = (await messages(bob)).find((m) => m.kind === "room");
      assert.equal(bobSees.nick, "alice");
      assert.equal(bobSees.elements, 0, "message rendered as text");

      // Bob clicks alice and sends a private message to her ETID.
      await bob.click("#members li:not(.me) button");
      await bob.waitForSelector("#target:not([hidden])");
      assert.match(await bob.textContent("#target"), /private to alice/);
      await bob.fill("#text", "just for you");
      await bob.click("#send");
      await until(async () => (await messages(alice)).some((m) => m.kind === "private-in" && m.text === "just for you"), {
        what: "private message at alice",
      });
      const priv = (await messages(alice)).find((m) => m.kind === "private-in");
      assert.equal(priv.nick, "bob <img src=x onerror=alert(1)>");
      assert.equal(priv.tag, "private");
      const sent = (await messages(bob)).find((m) => m.kind === "private-out");
      assert.equal(sent.text, "just for you");
      assert.equal(sent.tag, "private to alice");
      // The private message did not go to the room.
      assert.equal((await messages(bob)).filter((m) => m.text === "just for you").length, 1);
      assert.equal((await messages(alice)).filter((m) => m.kind === "room" && m.text === "just for you").length, 0);

      await screenshot(alice, "chat-alice");
      await screenshot(bob, "chat-bob");
      assertNoProblems(assert, alice, bob);

      // Bob closes his tab: ETID supervision removes him from alice's list.
      await closePage(bob);
      bobClosed = true;
      await until(async () => (await memberNicks(alice)).length === 0, { what: "bob removed", timeout: 10_000 });
      await until(async () => (await alice.textContent("#room-count")) === "1", { what: "room count back to 1" });
      assert.ok((await messages(alice)).some((m) => m.kind === "system" && /left \(connection closed\)/.test(m.text)));
      await screenshot(alice, "chat-after-close");
      assertNoProblems(assert, alice);
    } finally {
      if (!bobClosed) await closePage(bob);
      await closePage(alice);
    }
  });

  test("after a broker restart the members find each other again (new ETIDs)", async () => {
    const a = await openPage(browser, broker, "chat.html");
    const b = await openPage(browser, broker, "chat.html");
    try {
      await join(a, "amy", "chat/restart");
      await join(b, "bo", "chat/restart");
      await until(async () => (await memberNicks(a)).join() === "bo", { what: "amy sees bo" });
      await until(async () => (await memberNicks(b)).join() === "amy", { what: "bo sees amy" });
      const oldEtids = await Promise.all([a, b].map((p) => p.evaluate(() => smq.gettid())));

      const port = broker.port;
      await broker.kill();
      await a.waitForSelector('#conn[data-state="reconnecting"]');
      broker = await startBroker({ port });
      for (const p of [a, b]) await waitConnectedIndicator(p, 20_000);

      // Each re-announces itself; the lists hold exactly the other member, at its new ETID.
      await until(async () => (await memberNicks(a)).join() === "bo", { what: "amy sees bo again" });
      await until(async () => (await memberNicks(b)).join() === "amy", { what: "bo sees amy again" });
      const newEtids = await Promise.all([a, b].map((p) => p.evaluate(() => smq.gettid())));
      assert.equal(await a.getAttribute("#members li:not(.me)", "data-etid"), String(newEtids[1]));
      assert.equal(await b.getAttribute("#members li:not(.me)", "data-etid"), String(newEtids[0]));
      assert.notDeepEqual(newEtids, oldEtids);
      await until(async () => (await a.textContent("#room-count")) === "2", { what: "room count 2 after restart" });

      await b.fill("#text", "still talking");
      await b.click("#send");
      await until(async () => (await messages(a)).some((m) => m.kind === "room" && m.text === "still talking"), {
        what: "room message after restart",
      });
      await screenshot(a, "chat-after-restart");
    } finally {
      await closePage(a);
      await closePage(b);
    }
  });

  test("leaving a room removes the member at once; rooms are separate", async () => {
    const a = await openPage(browser, broker, "chat.html?nick=ann");
    const b = await openPage(browser, broker, "chat.html?nick=ben");
    const c = await openPage(browser, broker, "chat.html?nick=cid");
    try {
      assert.equal(await a.inputValue("#nick"), "ann");
      await join(a, "ann", "chat/room-1");
      await join(b, "ben", "chat/room-1");
      await join(c, "cid", "chat/room-2");
      await until(async () => (await memberNicks(a)).join() === "ben", { what: "ann sees ben" });
      await until(async () => (await memberNicks(b)).join() === "ann", { what: "ben sees ann" });
      assert.deepEqual(await memberNicks(c), [], "room-2 is empty but for cid");

      await b.click("#leave");
      await until(async () => (await memberNicks(a)).length === 0, { what: "ben left" });
      assert.ok((await messages(a)).some((m) => m.kind === "system" && /ben left the room/.test(m.text)));
      await until(async () => (await a.textContent("#room-count")) === "1", { what: "room-1 count 1" });

      // Ben moves to room-2 and meets cid there.
      await join(b, "ben", "chat/room-2");
      await until(async () => (await memberNicks(c)).join() === "ben", { what: "cid sees ben" });
      await until(async () => (await memberNicks(b)).join() === "cid", { what: "ben sees cid" });
      assert.deepEqual(await memberNicks(a), []);
      await screenshot(b, "chat-rooms");
      assertNoProblems(assert, a, b, c);
    } finally {
      for (const p of [a, b, c]) await closePage(p);
    }
  });
});

// The JavaScript client (clients/js, bundled into the web app and exposed as window.SMQ on
// every page) in a real browser against a real broker: data types, request/reply through
// "self" and sub-topics, observe, a 5,000-message burst, the broker's in-process client
// (ETID 1) and reconnecting after a broker restart.
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

// Creates a client on the page (same origin: no URL) and waits for its Connack.
// Stores it as window[name]; returns its ETID.
function newClient(page, name, options = {}) {
  return page.evaluate(
    ({ name, options }) =>
      new Promise((resolve, reject) => {
        const c = new SMQ.Client(options);
        window[name] = c;
        c.events = [];
        c.onconnect = (etid) => {
          c.events.push(["connect", etid]);
          resolve(etid);
        };
        c.onreconnect = (etid) => c.events.push(["reconnect", etid]);
        c.onclose = (message, canReconnect) => {
          c.events.push(["close", message, canReconnect]);
        };
        c.onerror = (err) => c.events.push(["error", err?.code ?? null, String(err?.message ?? err)]);
        c.onmsg = (data, ptid, tid, subtid) => c.events.push(["unhandled", Array.from(data), ptid, tid, subtid]);
        setTimeout(() => reject(new Error("no Connack within 10 s")), 10_000);
      }),
    { name, options },
  );
}

browserSuite("JavaScript client in the browser", { timeout: 120_000 }, () => {
  let broker;
  let browser;

  before(async () => {
    ({ broker, browser } = await startSuite());
  }, hookOptions);

  after(() => stopSuite({ broker, browser }), hookOptions);

  test("text, JSON, binary and MessagePack publish/subscribe between two pages", async () => {
    const sub = await openPage(browser, broker);
    const pub = await openPage(browser, broker);
    try {
      await newClient(sub, "c");
      const pubEtid = await newClient(pub, "c");
      await sub.evaluate(async () => {
        window.rx = { text: [], json: [], binary: [], msgpack: [] };
        await Promise.all([
          c.subscribe("dt/text", { datatype: "text", onmsg: (d, ptid, tid, subtid) => rx.text.push([d, ptid, subtid]) }),
          c.subscribe("dt/json", { datatype: "json", onmsg: (d) => rx.json.push(d) }),
          c.subscribe("dt/binary", {
            onmsg: (d) => rx.binary.push({ isBytes: d instanceof Uint8Array, bytes: Array.from(d), own: d.buffer.byteLength === d.length }),
          }),
          c.subscribe("dt/msgpack", {
            datatype: "msgpack",
            onmsg: (d) => rx.msgpack.push({ ...d, bin: Array.from(d.bin), binIsBytes: d.bin instanceof Uint8Array }),
          }),
        ]);
      });
      await pub.evaluate(() => {
        c.publish("héllo wörld ✓ 🚀 <b>&amp;</b>", "dt/text");
        c.publish("", "dt/text");
        c.pubjson({ a: 1, s: "x\u0000y", arr: [1, 2.5, null, "z"], nested: { b: true } }, "dt/json");
        c.publish(Uint8Array.from({ length: 256 }, (_, i) => i), "dt/binary");
        c.publish(new Uint8Array(0), "dt/binary");
        c.pubmsgpack({ n: 42, f: 1.5, neg: -7, big: 2 ** 40, s: "ü€", bin: new Uint8Array([0, 1, 254, 255]), list: [true, null] }, "dt/msgpack");
        c.publish("not json {", "dt/json"); // undecodable for the json subscription
      });
      const rx = await until(
        () => sub.evaluate(() => (rx.text.length >= 2 && rx.json.length >= 1 && rx.binary.length >= 2 && rx.msgpack.length >= 1 && c.events.some((e) => e[0] === "unhandled") ? rx : null)),
        { what: "all data types" },
      );
      assert.deepEqual(rx.text, [
        ["héllo wörld ✓ 🚀 <b>&amp;</b>", pubEtid, 0],
        ["", pubEtid, 0],
      ]);
      assert.deepEqual(rx.json, [{ a: 1, s: "x\u0000y", arr: [1, 2.5, null, "z"], nested: { b: true } }]);
      assert.equal(rx.binary.length, 2);
      assert.deepEqual(rx.binary[0], { isBytes: true, bytes: Array.from({ length: 256 }, (_, i) => i), own: true });
      assert.deepEqual(rx.binary[1], { isBytes: true, bytes: [], own: true });
      assert.deepEqual(rx.msgpack, [{ n: 42, f: 1.5, neg: -7, big: 2 ** 40, s: "ü€", bin: [0, 1, 254, 255], binIsBytes: true, list: [true, null] }]);
      // The invalid JSON went to the client's onmsg as raw bytes.
      const unhandled = await sub.evaluate(() => c.events.filter((e) => e[0] === "unhandled"));
      assert.equal(unhandled.length, 1);
      assert.equal(Buffer.from(unhandled[0][1]).toString(), "not json {");
      assert.equal(unhandled[0][2], pubEtid);
      await screenshot(sub, "client-datatypes");
      assertNoProblems(assert, sub, pub);
    } finally {
      await closePage(sub);
      await closePage(pub);
    }
  });

  test('request/reply through "self" and sub-topics between two pages', async () => {
    const requester = await openPage(browser, broker);
    const responder = await openPage(browser, broker);
    try {
      const reqEtid = await newClient(requester, "c");
      const respEtid = await newClient(responder, "c");
      await responder.evaluate(async () => {
        window.served = 0;
        await c.subscribe("self", "math/double", {
          datatype: "json",
          onmsg: (m, ptid) => {
            served++;
            c.pubjson({ result: m.x * 2, id: m.id }, ptid, "math/result");
          },
        });
        // A second sub-topic on the same "self" record: must not get the doubles.
        await c.subscribe("self", "math/negate", {
          datatype: "json",
          onmsg: (m, ptid) => c.pubjson({ result: -m.x, id: m.id }, ptid, "math/result"),
        });
      });
      const replies = await requester.evaluate(async (to) => {
        const got = [];
        await c.subscribe("self", "math/result", {
          datatype: "json",
          onmsg: (m, ptid, tid, subtid) => got.push({ ...m, ptid, tid, subtidOk: subtid === c.subtopic2tid("math/result") }),
        });
        for (let i = 0; i < 5; i++) c.pubjson({ x: i + 0.5, id: i }, to, i % 2 ? "math/negate" : "math/double");
        const end = Date.now() + 10_000;
        while (got.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        return got;
      }, respEtid);
      assert.deepEqual(
        replies.map((r) => [r.id, r.result]),
        [[0, 1], [1, -1.5], [2, 5], [3, -3.5], [4, 9]],
      );
      for (const r of replies) {
        assert.equal(r.ptid, respEtid, "reply comes from the responder's ETID");
        assert.equal(r.tid, reqEtid, "reply is addressed to the requester's ETID");
        assert.equal(r.subtidOk, true);
      }
      assert.equal(await responder.evaluate(() => served), 3);
      await screenshot(requester, "client-request-reply");
      assertNoProblems(assert, requester, responder);
    } finally {
      await closePage(requester);
      await closePage(responder);
    }
  });

  test("observe: topic subscriber counts, and Change 0 when an observed page closes", async () => {
    const watcher = await openPage(browser, broker);
    const other = await openPage(browser, broker);
    try {
      await newClient(watcher, "c");
      const otherEtid = await newClient(other, "c");
      await watcher.evaluate(async (otherEtid) => {
        window.counts = [];
        window.gone = [];
        await c.observe("obs/room", (count, name) => counts.push([count, name]));
        await c.observe(otherEtid, (count, id) => gone.push([count, id]));
      }, otherEtid);
      await until(() => watcher.evaluate(() => counts.length === 1), { what: "initial count" });

      await other.evaluate(() => c.subscribe("obs/room"));
      await until(() => watcher.evaluate(() => counts.at(-1)[0] === 1), { what: "count 1" });
      await watcher.evaluate(() => c.subscribe("obs/room"));
      await until(() => watcher.evaluate(() => counts.at(-1)[0] === 2), { what: "count 2" });
      await other.evaluate(() => c.unsubscribe("obs/room"));
      await until(() => watcher.evaluate(() => counts.at(-1)[0] === 1), { what: "count back to 1" });
      await other.evaluate(() => c.subscribe("obs/room")); // subscribed again when the tab closes
      await until(() => watcher.evaluate(() => counts.at(-1)[0] === 2), { what: "count 2 again" });
      assert.deepEqual(await watcher.evaluate(() => gone), [], "no Change for a live client");

      await closePage(other); // the tab goes away: the broker tears the connection down
      await until(() => watcher.evaluate(() => gone.length === 1), { what: "ETID Change 0", timeout: 10_000 });
      const [gone, counts] = await watcher.evaluate(() => [gone, counts]);
      assert.deepEqual(gone, [[0, otherEtid]]);
      await until(() => watcher.evaluate(() => counts.at(-1)[0] === 1), { what: "count after close" });
      const allCounts = (await watcher.evaluate(() => counts)).map(([n]) => n);
      assert.deepEqual(allCounts, [0, 1, 2, 1, 2, 1]);
      assert.ok((await watcher.evaluate(() => counts)).every(([, name]) => name === "obs/room"));
      // Observing a client that is already gone answers 0 at once.
      const late = await watcher.evaluate(
        (etid) => new Promise((resolve) => c.observe(etid, (count) => resolve(count))),
        otherEtid,
      );
      assert.equal(late, 0);
      await screenshot(watcher, "client-observe");
      assertNoProblems(assert, watcher);
    } finally {
      if (!other.isClosed()) await closePage(other);
      await closePage(watcher);
    }
  });

  test("a 5,000-message burst arrives complete and in order", async (t) => {
    const sub = await openPage(browser, broker);
    const pub = await openPage(browser, broker);
    const N = 5000;
    try {
      await newClient(sub, "c");
      await newClient(pub, "c");
      await sub.evaluate(async () => {
        window.burst = { n: 0, next: 0, outOfOrder: 0, bad: 0 };
        await c.subscribe("burst/seq", {
          datatype: "json",
          onmsg: (m) => {
            if (typeof m?.i !== "number" || m.pad.length !== 40) burst.bad++;
            else if (m.i !== burst.next) burst.outOfOrder++;
            burst.next = m.i + 1;
            burst.n++;
          },
        });
      });
      const t0 = Date.now();
      await pub.evaluate(async (N) => {
        await c.create("burst/seq"); // resolve the name first: then every publish goes out at once
        const pad = "x".repeat(40);
        for (let i = 0; i < N; i++) c.pubjson({ i, pad }, "burst/seq");
      }, N);
      const result = await until(() => sub.evaluate((N) => (burst.n >= N ? burst : null), N), {
        what: `${N} messages`,
        timeout: 30_000,
      });
      const ms = Date.now() - t0;
      assert.deepEqual(result, { n: N, next: N, outOfOrder: 0, bad: 0 });
      // Nothing extra trickles in afterwards.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await sub.evaluate(() => burst.n), N);
      t.diagnostic(`burst of ${N} messages delivered in ${ms} ms`);
      await screenshot(sub, "client-burst");
      assertNoProblems(assert, sub, pub);
    } finally {
      await closePage(sub);
      await closePage(pub);
    }
  });

  test("the broker's in-process client (ETID 1): hello replies come from ptid 1; a publish to ETID 1 without a handler is accepted silently", async () => {
    const page = await openPage(browser, broker);
    try {
      const etid = await newClient(page, "c");
      const first = await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            c.subscribe("self", {
              datatype: "text",
              onmsg: (text, ptid, tid, subtid) => resolve({ text, ptid, tid, subtid }),
            });
            c.publish("from the e2e test", "hello");
            setTimeout(() => reject(new Error("no reply from the server client")), 5000);
          }),
      );
      assert.deepEqual(first, { text: "Hello, you said 'from the e2e test' (1 of 5)", ptid: 1, tid: etid, subtid: 0 });
      assert.equal(await page.evaluate(() => c.topic2tid("hello") > 1), true);

      // Server code has no handler for direct messages: they must be dropped quietly.
      await page.evaluate(() => {
        c.publish("direct to the server", 1);
        c.pubjson({ op: "nothing" }, 1, "no-such-operation");
        c.pubmsgpack([1, 2, 3], 1);
        c.publish(new Uint8Array(1000), 1);
      });
      // Still connected: a round trip on a topic works afterwards, no close, no error.
      const echo = await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            c.subscribe("etid1/after", { datatype: "text", onmsg: (t) => resolve(t) }).then(() => c.publish("still here", "etid1/after"));
            setTimeout(() => reject(new Error("no echo")), 5000);
          }),
      );
      assert.equal(echo, "still here");
      const events = await page.evaluate(() => ({ connected: c.connected, events: c.events, etid: c.gettid() }));
      assert.equal(events.connected, true);
      assert.equal(events.etid, etid, "same connection");
      assert.deepEqual(events.events.filter((e) => e[0] !== "connect"), []);
      assert.ok(broker.alive);
      await screenshot(page, "client-server-etid1");
      assertNoProblems(assert, page);
    } finally {
      await closePage(page);
    }
  });

  // Last: restarts the broker process on the same port.
  test("the classic script build /smq.js defines the global SMQ, used the reference way", async () => {
    // A page of the broker's origin with no module code: a 404 page is enough.
    const page = await openPage(browser, broker, "no-such-page", { waitConnected: false });
    try {
      await page.addScriptTag({ url: new URL("smq.js", broker.url).href });
      const got = await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            // Reference style: called without `new`, callbacks assigned afterwards.
            const smq = SMQ.Client(SMQ.wsURL("/"));
            smq.onconnect = (etid) => {
              smq.subscribe("self", "classic", {
                datatype: "text",
                onmsg: (text, ptid, tid) => resolve({ text, fromSelf: ptid === etid && tid === etid }),
              });
              smq.publish("via classic script", "self", "classic");
            };
            setTimeout(() => reject(new Error("no message within 10 s")), 10_000);
          }),
      );
      assert.deepEqual(got, { text: "via classic script", fromSelf: true });
      // The 404 of the page itself is expected; nothing else may go wrong.
      assert.deepEqual(page.problems.filter((p) => !p.includes("404")), [], "page errors");
    } finally {
      await closePage(page);
    }
  });

  test("reconnects and re-subscribes after the broker process restarts on the same port", async () => {
    const page = await openPage(browser, broker);
    try {
      const etidBefore = await newClient(page, "c");
      await page.evaluate(async () => {
        window.got = [];
        window.counts = [];
        await c.subscribe("restart/topic", { datatype: "text", onmsg: (t, ptid) => got.push([t, ptid]) });
        await c.subscribe("self", "restart/direct", { datatype: "text", onmsg: (t) => got.push(["direct", t]) });
        await c.observe("restart/topic", (n) => counts.push(n));
        c.publish("before", "restart/topic");
      });
      await until(() => page.evaluate(() => got.length === 1), { what: "message before restart" });

      const port = broker.port;
      await broker.kill(); // crash: the sockets just close
      await until(() => page.evaluate(() => !c.connected && !smq.connected), { what: "clients notice the loss" });
      await page.waitForSelector('#conn[data-state="reconnecting"]');
      // Publishing while disconnected queues the message.
      await page.evaluate(() => c.publish("queued while down", "restart/topic"));
      broker = await startBroker({ port });
      assert.equal(broker.port, port);

      await until(() => page.evaluate(() => c.events.some((e) => e[0] === "reconnect")), {
        what: "onreconnect",
        timeout: 20_000,
      });
      await waitConnectedIndicator(page, 20_000); // the page's own client came back too
      const etidAfter = await page.evaluate(() => c.gettid());

      // A message published after the restart by another page arrives (subscription restored).
      const other = await openPage(browser, broker);
      const otherEtid = await newClient(other, "c");
      await other.evaluate(() => c.publish("after restart", "restart/topic"));
      await other.evaluate((to) => c.publish("direct after restart", to, "restart/direct"), etidAfter);
      await until(() => page.evaluate(() => got.length >= 4), { what: "messages after restart", timeout: 10_000 });
      const got = await page.evaluate(() => got);
      assert.deepEqual(got[0], ["before", etidBefore]);
      assert.deepEqual(got.slice(1).map((g) => g[0] === "direct" ? g.join(":") : g[0]).sort(), [
        "after restart",
        "direct:direct after restart",
        "queued while down",
      ]);
      assert.deepEqual(got.find((g) => g[0] === "after restart"), ["after restart", otherEtid]);
      // The topic observer was restored as well (count >= 1: this page is subscribed).
      await until(() => page.evaluate(() => counts.length >= 2 && counts.at(-1) >= 1), { what: "observer restored" });
      const closes = await page.evaluate(() => c.events.filter((e) => e[0] === "close"));
      assert.ok(closes.length >= 1 && closes.every((e) => e[2] === true), JSON.stringify(closes));
      await screenshot(page, "client-restart");
      await closePage(other);
    } finally {
      await closePage(page);
    }
  });
});

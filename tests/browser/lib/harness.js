// Shared set-up for the browser end-to-end tests: starts the smq broker (loopback only),
// launches Debian's Chromium through playwright-core and saves screenshots.
//
// Environment:
//   SMQ_BROKER    path to the smq-broker binary (required; the tests are skipped without it)
//   SMQ_WEB_ROOT  the built web app (default: broker/web/app/dist of this checkout)
//   SMQ_CHROMIUM  Chromium executable (default: /usr/bin/chromium)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");

export const BROKER = process.env.SMQ_BROKER || "";
export const WEB_ROOT = resolve(process.env.SMQ_WEB_ROOT || resolve(repo, "broker/web/app/dist"));
export const CHROMIUM = process.env.SMQ_CHROMIUM || "/usr/bin/chromium";
export const SCREENSHOTS = resolve(here, "../screenshots");

/** Reason to skip the whole suite, or false. */
export const skip = BROKER
  ? false
  : "SMQ_BROKER is not set: set it to the smq-broker binary (and SMQ_WEB_ROOT to the built web app) to run the browser tests";

/** Throws a helpful error when something the tests need is missing. */
export function checkPrerequisites() {
  if (!existsSync(BROKER)) throw new Error(`SMQ_BROKER=${BROKER}: no such file`);
  if (!existsSync(resolve(WEB_ROOT, "index.html"))) {
    throw new Error(
      `no built web app in ${WEB_ROOT} (set SMQ_WEB_ROOT, or build it: cd broker/web/app && npm ci && npm run build)`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set SMQ_CHROMIUM)`);
  }
}

/**
 * Starts the broker on 127.0.0.1 (port 0 = any free port) with the hello5 server code and
 * a short stats interval. Resolves once it logs "listening on 127.0.0.1:PORT".
 */
export function startBroker({ port = 0, statsInterval = 250, extraArgs = [] } = {}) {
  const args = [
    "--listen", `127.0.0.1:${port}`,
    "--hello5",
    "--web-root", WEB_ROOT,
    "--stats-interval", String(statsInterval),
    ...extraArgs,
  ];
  const proc = spawn(BROKER, args, { stdio: ["ignore", "pipe", "pipe"] });
  const log = [];
  const exited = new Promise((res) => proc.once("exit", (code, signal) => res({ code, signal })));
  let buffered = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`broker did not report its port within 10 s:\n${log.join("\n")}`));
    }, 10_000);
    const onData = (chunk) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log.push(line);
        if (log.length > 2000) log.splice(0, 1000);
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          const actual = Number(m[1]);
          resolvePromise(makeHandle(proc, actual, log, exited, statsInterval));
        }
      }
    };
    proc.stderr.on("data", onData);
    proc.stdout.on("data", onData);
    proc.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`broker exited early (code ${code}, signal ${signal}):\n${log.join("\n")}`));
    });
  });
}

function makeHandle(proc, port, log, exited, statsInterval) {
  return {
    port,
    statsInterval,
    url: `http://127.0.0.1:${port}/`,
    proc,
    log,
    exited,
    get alive() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    /** SIGTERM (graceful: clients get Disconnect "shutdown"), SIGKILL after 5 s. */
    async stop() {
      if (!this.alive) return exited;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      const result = await exited;
      clearTimeout(t);
      return result;
    },
    /** SIGKILL: a crash, the sockets just close. */
    async kill() {
      if (!this.alive) return exited;
      proc.kill("SIGKILL");
      return exited;
    },
  };
}

/** Launches Chromium (headless, no sandbox, no network beyond loopback traffic we make). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    timeout: 30_000,
  });
}

/**
 * Opens `path` of the broker's site in a fresh browser context (own storage, like another
 * user). Page errors and console errors are collected in `page.problems`. `viewport`
 * defaults to a desktop window; the phone-layout tests pass a small one.
 */
export async function openPage(
  browser,
  broker,
  path = "index.html",
  { waitConnected = true, viewport = { width: 1200, height: 900 } } = {},
) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.problems = [];
  page.on("pageerror", (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") page.problems.push(`console: ${msg.text()}`);
  });
  await page.goto(new URL(path, broker.url).href, { waitUntil: "load" });
  if (waitConnected) await waitConnectedIndicator(page);
  return page;
}

/** Waits until the page's header shows "connected". */
export function waitConnectedIndicator(page, timeout = 15_000) {
  return page.waitForSelector('#conn[data-state="connected"]', { timeout });
}

/** Closes a page together with its context. */
export async function closePage(page) {
  const context = page.context();
  await page.close();
  await context.close();
}

/** Saves a full-page screenshot to tests/browser/screenshots/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = resolve(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Polls `fn` until it returns a truthy value (returned) or `timeout` ms pass (throws). */
export async function until(fn, { timeout = 10_000, interval = 50, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Checks that the page had no uncaught errors or console errors. */
export function assertNoProblems(assert, ...pages) {
  const problems = pages.flatMap((p) => p.problems ?? []);
  assert.deepEqual(problems, [], "page errors");
}

/**
 * What every suite's before() does: checks the prerequisites, starts a broker (options as
 * startBroker's) and launches Chromium. Resolves to { broker, browser }; on failure nothing
 * is left running.
 */
export async function startSuite(brokerOptions) {
  checkPrerequisites();
  const broker = await startBroker(brokerOptions);
  try {
    return { broker, browser: await launchBrowser() };
  } catch (e) {
    await broker.stop();  // after() would not see it: the assignment never happened
    throw e;
  }
}

/**
 * Options for every suite's before() and after(): the runner sets no limit on hooks by
 * default, so each is bounded here (the same 2 minutes as a whole suite at most).
 */
export const hookOptions = { timeout: 120_000 };

/** What every suite's after() does; both are missing if before() failed. */
export async function stopSuite({ broker, browser }) {
  await browser?.close();
  await broker?.stop();
}

/**
 * describe() for a browser suite; without SMQ_BROKER a single skipped test with the reason
 * stands in for it (so the runner reports "skipped 1", not an empty run).
 */
export function browserSuite(name, options, fn) {
  if (skip) test(name, { skip }, () => {});
  else describe(name, options, fn);
}

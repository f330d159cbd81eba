// Shared helpers for nodelab's browser end-to-end tests.
//
// The tests drive the system Chromium (Debian `chromium`) through playwright-core; nothing is
// downloaded. The app under test is a release build served by `cargo xtask test` on 127.0.0.1;
// its address comes from the environment variable NODELAB_URL (for example
// `http://127.0.0.1:40123/` or `http://127.0.0.1:40123/nodelab/`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

/** Chromium flags needed to run headless as root in a container, without background traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** How long to wait for the lab to appear after navigation. */
export const LAB_TIMEOUT_MS = 10_000;

/** Per-test time limit. */
const TEST_TIMEOUT_MS = 60_000;

/**
 * The base URL of the app under test, always ending in `/`.
 * @returns {URL}
 */
export function baseUrl() {
  const raw = process.env.NODELAB_URL;
  if (!raw) {
    throw new Error('NODELAB_URL is not set; run the browser tests through `cargo xtask test`');
  }
  return new URL(raw.endsWith('/') ? raw : `${raw}/`);
}

let browser;

before(async () => {
  // playwright-core gives every launch a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({
    executablePath: process.env.NODELAB_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
});

/**
 * Declares a test that gets a fresh browser context and page, opened at the app's base URL.
 *
 * Every console error, uncaught page error, failed local request and request to any origin other
 * than the app's own is recorded; the test fails if any happened, even when its own assertions
 * passed. Requests to other origins are also blocked, so the app cannot silently depend on them.
 *
 * @param {string} name test name
 * @param {(page: import('playwright-core').Page) => Promise<void>} body the test itself
 */
export function labTest(name, body) {
  test(name, { timeout: TEST_TIMEOUT_MS }, async () => {
    const base = baseUrl();
    const problems = [];
    const context = await browser.newContext();
    try {
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.protocol === 'data:' || url.protocol === 'blob:' || url.origin === base.origin) {
          return route.continue();
        }
        problems.push(`request to a foreign origin: ${url.href}`);
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') {
          problems.push(`console error: ${msg.text()}`);
        }
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('response', (res) => {
        if (res.status() >= 400) {
          problems.push(`HTTP ${res.status()} for ${res.url()}`);
        }
      });
      try {
        await page.goto(new URL("#/session-7/lab", base).href);
        await body(page);
      } catch (err) {
        // Report what the page complained about too: it is often the cause.
        if (problems.length > 0 && err instanceof Error) {
          err.message += `\nmeanwhile in the page:\n  ${problems.join('\n  ')}`;
        }
        throw err;
      }
      assert.deepEqual(problems, [], 'no console errors, page errors, failed or foreign requests');
    } finally {
      await context.close();
    }
  });
}

/**
 * Waits until the lab has rendered.
 * @param {import('playwright-core').Page} page
 */
export async function waitForLab(page) {
  await page.locator('[data-testid=lab]').waitFor({ state: 'visible', timeout: LAB_TIMEOUT_MS });
}

/**
 * The trimmed text content of the first element matching `selector`, or null if there is none.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @returns {Promise<string | null>}
 */
export async function textOf(page, selector) {
  const text = await page.locator(selector).first().textContent({ timeout: 1_000 }).catch(() => null);
  return text === null ? null : text.trim();
}

/**
 * Polls `probe` until it returns a truthy value, then returns that value.
 * Fails with `message` (and the last value seen) after `timeoutMs`.
 *
 * @template T
 * @param {() => Promise<T>} probe
 * @param {string} message what was expected
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function eventually(probe, message, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) {
      return last;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms waiting for: ${message} (last: ${JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Whether a sim-time text shows t = 0 (`0.000s`, possibly with a label around it).
 * @param {string | null} text
 */
export function atTimeZero(text) {
  return text !== null && /(^|[^\d.])0\.000s/.test(text);
}

/**
 * A snapshot of what the step button is expected to change.
 * @param {import('playwright-core').Page} page
 */
export async function labState(page) {
  return {
    time: await textOf(page, '[data-testid=sim-time]'),
    events: await page.locator('[data-testid=events] li').count(),
    pods: await textOf(page, '[data-testid=pods-table]'),
  };
}

/**
 * Seconds shown by the sim-time output (`12.345s`), or NaN.
 * @param {import('playwright-core').Page} page
 */
export async function simSeconds(page) {
  return Number.parseFloat((await textOf(page, '[data-testid=sim-time]')) ?? '');
}

/**
 * Plays until the simulated time reaches `seconds`, then pauses.
 * @param {import('playwright-core').Page} page
 * @param {number} seconds
 */
export async function playUntil(page, seconds) {
  await page.locator('[data-testid=play]').click();
  await eventually(async () => (await simSeconds(page)) >= seconds, `sim-time to reach ${seconds}s`, 30_000);
  await page.locator('[data-testid=pause]').click();
  await page.locator('[data-testid=play]').waitFor({ state: 'visible' });
}

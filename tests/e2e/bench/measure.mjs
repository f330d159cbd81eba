// Browser measurements for `cargo xtask bench` (xtask/src/bench.rs), in one headless Chromium.
//
//   node bench/measure.mjs --app http://127.0.0.1:PORT/ [--hello http://127.0.0.1:PORT2/]
//
// prints one JSON object on stdout:
//   cold_load_ms            median over COLD_LOADS loads, each in a new browser context (empty
//                           cache, no service worker): navigation start (performance.timeOrigin)
//                           to the lab being interactive, i.e. the app setting `data-ready` on
//                           [data-testid=lab] after its first render (its controls are in the
//                           DOM and the engine's initial world is built).
//   hello_cold_load_ms      the same for the hello-world Yew page (bench/hello), to [data-ready].
//   cold_load_ratio_vs_hello  cold_load_ms / hello_cold_load_ms (null without --hello).
//   step_update_ms          median over STEPS clicks of [data-testid=step]: performance.now()
//                           before the click to the first animation frame after the lab's DOM
//                           changed (a MutationObserver on [data-testid=lab]).
//   scrub_ms                median over SCRUBS jumps of [data-testid=scrubber] (an
//                           <input type=range> in simulated seconds) to seeded random points of
//                           the scenario: from setting the value (input + change events) to
//                           [data-testid=sim-time] changing. null when the page has no scrubber.
//   transfer_gzip_kb        every response body of one fresh first load, each gzipped at level
//                           9, summed, in KiB (1024 bytes).
// Nothing here asserts speed; xtask compares the numbers with their targets.

import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const COLD_LOADS = 7;
const STEPS = 25;
const SCRUBS = 12;
const READY = '[data-testid=lab][data-ready]';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const round1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

const browser = await chromium.launch({
  executablePath: process.env.NODELAB_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});

/** A fresh context: empty HTTP cache, no service worker registered yet. */
async function freshPage() {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  return { context, page: await context.newPage() };
}

/** Milliseconds from navigation start until `selector` matches, for one cold load. */
async function coldLoad(url, selector) {
  const { context, page } = await freshPage();
  try {
    await page.addInitScript((sel) => {
      const check = () => {
        if (window.__readyAt === undefined && document.querySelector(sel)) {
          window.__readyAt = performance.now();
        }
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
    }, selector);
    await page.goto(url);
    await page.waitForSelector(selector, { timeout: 30_000 });
    return await page.evaluate(() => window.__readyAt);
  } finally {
    await context.close();
  }
}

async function coldLoads(url, selector) {
  await coldLoad(url, selector); // warm the server's file cache, not the browser's
  const times = [];
  for (let i = 0; i < COLD_LOADS; i += 1) times.push(await coldLoad(url, selector));
  return median(times);
}

async function stepUpdate(url) {
  const { context, page } = await freshPage();
  try {
    await page.goto(url);
    await page.waitForSelector(READY);
    const times = await page.evaluate(async (steps) => {
      const lab = document.querySelector('[data-testid=lab]');
      const out = [];
      for (let i = 0; i < steps; i += 1) {
        const button = document.querySelector('[data-testid=step]');
        if (!button || button.disabled) break;
        const changed = new Promise((resolve) => {
          const observer = new MutationObserver(() => {
            observer.disconnect();
            requestAnimationFrame(() => resolve(performance.now()));
          });
          observer.observe(lab, { subtree: true, childList: true, characterData: true, attributes: true });
          setTimeout(() => { observer.disconnect(); resolve(null); }, 5000);
        });
        const start = performance.now();
        button.click();
        const end = await changed;
        if (end !== null) out.push(end - start);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    }, STEPS);
    return median(times);
  } finally {
    await context.close();
  }
}

async function scrub(url) {
  const { context, page } = await freshPage();
  try {
    await page.goto(url);
    await page.waitForSelector(READY);
    if ((await page.$('[data-testid=scrubber]')) === null) return null;
    const times = await page.evaluate(async (count) => {
      const slider = document.querySelector('[data-testid=scrubber]');
      const clock = () => document.querySelector('[data-testid=sim-time]')?.textContent ?? '';
      const min = Number(slider.min || 0);
      const max = Number(slider.max || 1800);
      let seed = 12345;
      const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const out = [];
      for (let i = 0; i < count; i += 1) {
        const target = Math.round(min + random() * (max - min));
        const before = clock();
        const start = performance.now();
        setValue.call(slider, String(target));
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        slider.dispatchEvent(new Event('change', { bubbles: true }));
        const end = await new Promise((resolve) => {
          const deadline = start + 10_000;
          const poll = () => {
            if (clock() !== before) resolve(performance.now());
            else if (performance.now() > deadline) resolve(null);
            else requestAnimationFrame(poll);
          };
          poll();
        });
        if (end !== null) out.push(end - start);
      }
      return out;
    }, SCRUBS);
    return median(times);
  } finally {
    await context.close();
  }
}

async function transferGzipKb(url) {
  const { context, page } = await freshPage();
  const urls = [];
  page.on('response', (response) => urls.push(response.url()));
  try {
    await page.goto(url);
    await page.waitForSelector(READY);
    await page.waitForLoadState('networkidle');
  } finally {
    await context.close();
  }
  // The bodies are fetched again here: Chromium does not keep every body (a streamed wasm).
  let total = 0;
  for (const u of urls.filter((x) => x.startsWith('http'))) {
    const body = Buffer.from(await (await fetch(u)).arrayBuffer());
    total += gzipSync(body, { level: 9 }).length;
  }
  return total / 1024;
}

const app = arg('--app');
const hello = arg('--hello');
if (!app) {
  console.error('usage: node bench/measure.mjs --app URL [--hello URL]');
  process.exit(2);
}
try {
  const coldLoadMs = await coldLoads(app, READY);
  const helloMs = hello ? await coldLoads(hello, '[data-ready]') : null;
  const result = {
    cold_load_ms: round1(coldLoadMs),
    hello_cold_load_ms: round1(helloMs),
    cold_load_ratio_vs_hello: helloMs ? Math.round((coldLoadMs / helloMs) * 100) / 100 : null,
    step_update_ms: round1(await stepUpdate(app)),
    scrub_ms: round1(await scrub(app)),
    transfer_gzip_kb: round1(await transferGzipKb(app)),
  };
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}

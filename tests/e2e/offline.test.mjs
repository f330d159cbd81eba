// Offline mode: static/sw.js caches the app shell, so a loaded lab keeps working without a
// network; and a fresh load asks nothing of any host but the app's own (127.0.0.1).

import assert from 'node:assert/strict';
import { baseUrl, eventually, labState, labTest, waitForLab } from './lib/harness.mjs';

/** Waits until a service worker controls the page (it claims its clients on activation). */
async function waitForServiceWorker(page) {
  await eventually(
    () => page.evaluate(() => navigator.serviceWorker.controller !== null),
    'a service worker to control the page',
    15_000,
  );
}

labTest('every request of a fresh load goes to 127.0.0.1', async (page) => {
  const hosts = new Set();
  page.on('request', (request) => hosts.add(new URL(request.url()).hostname));
  await page.reload();
  await waitForLab(page);
  await page.locator('[data-testid=lab][data-ready]').waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(baseUrl().hostname, '127.0.0.1');
  assert.deepEqual([...hosts], ['127.0.0.1']);
});

labTest('after one load the lab renders and steps offline', async (page) => {
  await waitForLab(page);
  await waitForServiceWorker(page);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = [];
    for (const name of names) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    }
    return { names, urls };
  });
  assert.equal(cached.names.length, 1, `one nodelab cache: ${cached.names}`);
  assert.match(cached.names[0], /^nodelab-nodelab-web-[0-9a-f]+_bg\.wasm$/, 'the cache is named after the build');
  for (const kind of [/\.wasm$/, /\.js$/, /\.css$/, /\/404\.html$/]) {
    assert.ok(cached.urls.some((u) => kind.test(u)), `cached ${kind}: ${cached.urls.join(' ')}`);
  }

  await page.context().setOffline(true);
  try {
    await page.reload();
    await waitForLab(page);
    await page.locator('[data-testid=lab][data-ready]').waitFor();
    const before = await labState(page);
    await page.locator('[data-testid=step]').click();
    await eventually(
      async () => JSON.stringify(await labState(page)) !== JSON.stringify(before),
      'the step button to change the lab while offline',
    );
    // A deep link also opens offline: navigations fall back to the cached shell.
    await page.goto(new URL('#/session-7/lab', baseUrl()).href);
    await waitForLab(page);
  } finally {
    await page.context().setOffline(false);
  }
});

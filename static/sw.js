// nodelab service worker: keeps the app working offline once it has loaded.
//
// Registered by index.html as `sw.js?v=<hashed wasm file name>`, so every build registers a new
// worker with its own cache (`nodelab-<v>`); older nodelab caches are deleted on activation.
// On install it caches the app shell: the page (`./`, `index.html`, `404.html`) and every hashed
// .js / .wasm / .css file the page references. Hashed assets are served cache-first; page
// navigations go to the network first (so a new deploy is picked up) and fall back to the
// cached shell when offline. Only same-origin GET requests are handled; the app makes no other.

const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const CACHE = `nodelab-${VERSION}`;
const SCOPE = self.registration.scope; // e.g. http://127.0.0.1:8000/nodelab/
const SHELL = ['./', 'index.html', '404.html'].map((p) => new URL(p, SCOPE).href);

/** The hashed assets index.html refers to (quoted URLs ending in .js, .wasm or .css). */
function assetsOf(html) {
  const urls = new Set();
  for (const m of html.matchAll(/["']([^"'\s]+\.(?:js|wasm|css))["']/g)) {
    urls.add(new URL(m[1], SCOPE).href);
  }
  return [...urls];
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch(SHELL[0], { cache: 'no-cache' });
    const html = await page.clone().text();
    await cache.put(SHELL[0], page);
    await cache.addAll([...SHELL.slice(1), ...assetsOf(html)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('nodelab-') && name !== CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith((async () => {
      try {
        return await fetch(request);
      } catch (err) {
        const cache = await caches.open(CACHE);
        return (await cache.match(SHELL[0])) || (await cache.match(SHELL[1])) || Response.error();
      }
    })());
    return;
  }
  event.respondWith((async () => {
    const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: false });
    return cached || fetch(request);
  })());
});

// The holder page's service worker: it keeps the page's files so that the
// page opens and presents offline. Its scope is the page's own path (one
// holder link). Files are fetched from the network first, so an update
// reaches the phone whenever it is online, and from the cache when the
// network fails or answers with an error. API calls (POST) are not
// touched: the page keeps its pass in IndexedDB.
'use strict';
const FILES = ['./', 'app.js', 'base45.js', 'cbor.js', 'present.js', 'store.js', 'qrcode.mjs', 'style.css'];
const PREFIX = 'hufu-holder-v1 ';
const CACHE = PREFIX + self.registration.scope;
const TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Drop this scope's caches of other versions; other links' caches stay.
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((n) => n !== CACHE && n.startsWith('hufu-holder-') && n.endsWith(' ' + self.registration.scope))
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function fromNetwork(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
    fetch(request).then((res) => { clearTimeout(timer); resolve(res); }, (err) => { clearTimeout(timer); reject(err); });
  });
}

async function respond(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fromNetwork(request);
    if (res.ok) {
      await cache.put(request, res.clone());
      return res;
    }
    const hit = await cache.match(request, { ignoreSearch: true });
    return hit || res;
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || !req.url.startsWith(self.registration.scope)) return;
  const rel = req.url.slice(self.registration.scope.length).split(/[?#]/)[0];
  if (rel.startsWith('api/')) return;
  event.respondWith(respond(req));
});

/* global self, caches, fetch, URL */
/*
 * Expose Corner's service worker (issue 12), hand-written: the app shell and the pages a person has
 * visited open offline. Serwist and Workbox were not used: both hook into webpack's build, and
 * Next 16 builds with Turbopack, which their plugins do not support; what is needed here is two
 * fetch strategies in ~70 lines (docs/ARCHITECTURE.md, "Offline").
 *
 * - /_next/static/* (content-hashed, the same for everyone): cache first.
 * - Page navigations to /, /expose/<id> and /new: network first; the reply is kept (without its
 *   Set-Cookie, which a service worker never sees) and served only when the network fails.
 * - Never: /api/* (session-bound data: the caller's vote, the session cookie), anything not GET,
 *   other origins, Next's RSC requests. The writes themselves wait in IndexedDB (the engine's queue).
 */
const VERSION = 'ec-1';
const ASSETS = `${VERSION}-assets`;
const PAGES = `${VERSION}-pages`;
const MAX_PAGES = 50;
const MAX_ASSETS = 300;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (!name.startsWith(`${VERSION}-`)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

const isPage = (path) => path === '/' || path === '/new' || /^\/expose\/[A-Za-z0-9_-]{1,64}$/.test(path);

async function trim(cacheName, max) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  for (const req of keys.slice(0, Math.max(0, keys.length - max))) await cache.delete(req);
}

async function assetFirst(request) {
  const cache = await caches.open(ASSETS);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && res.type === 'basic') {
    await cache.put(request, res.clone());
    void trim(ASSETS, MAX_ASSETS);
  }
  return res;
}

async function pageNetworkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const res = await fetch(request);
    if (res.ok && res.type === 'basic') {
      await cache.put(request, res.clone());
      void trim(PAGES, MAX_PAGES);
    }
    return res;
  } catch (err) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/_next/static/')) {
    event.respondWith(assetFirst(request));
  } else if (request.mode === 'navigate' && isPage(url.pathname) && !request.headers.has('RSC')) {
    event.respondWith(pageNetworkFirst(request));
  }
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_CACHE_CONTROL, PUBLIC_PAGE_CACHE_CONTROL } from '@/lib/server/http/private-response';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

// Stands in for Next serving a page from its ISR cache: it marks the page shareable (`s-maxage`).
const SHARED = 's-maxage=1, stale-while-revalidate=1';
function cachedPage(req: IncomingMessage, res: ServerResponse): void {
  const html = '<p>the same page for everyone</p>';
  if (req.url === '/?sort=hot' || req.url === '/other') {
    // Next's default for a dynamic page.
    res.writeHead(200, { 'Cache-Control': PRIVATE_CACHE_CONTROL, 'content-type': 'text/html' });
  } else if (req.url === '/in-write-head') {
    res.writeHead(200, { 'Cache-Control': SHARED, 'content-type': 'text/html' });
  } else {
    res.setHeader('Cache-Control', SHARED);
    res.setHeader('content-type', 'text/html');
  }
  res.end(html);
}

const database = testDatabases()[0]!;

describe('page responses and shared caches', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await database.open(), { app: { pageHandler: cachedPage } });
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  it.each(['/other', '/in-write-head'])('a first visit to %s sets no cookie (pages never do): the renderer’s Cache-Control passes', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe(url === '/other' ? PRIVATE_CACHE_CONTROL : SHARED);
    expect(res.body).toBe('<p>the same page for everyone</p>');
  });

  it('a returning visitor (valid cookie, nothing set) gets the page as the renderer marked it', async () => {
    const cookie = sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }));
    for (const url of ['/', '/in-write-head']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie } });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['cache-control']).toBe(SHARED);
    }
  });

  it('the shared feed drops no-store for a returning visitor (back/forward cache); other pages keep it', async () => {
    const cookie = sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }));
    const feed = await t.app.inject({ method: 'GET', url: '/?sort=hot', headers: { cookie } });
    expect(feed.headers['cache-control']).toBe('private, no-cache, max-age=0, must-revalidate');
    const other = await t.app.inject({ method: 'GET', url: '/other', headers: { cookie } });
    expect(other.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    // Without a session the feed is public for a shared cache (tests/server/cdn-headers.test.ts).
    const first = await t.app.inject({ method: 'GET', url: '/?sort=hot' });
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers['cache-control']).toBe(PUBLIC_PAGE_CACHE_CONTROL);
  });
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_CACHE_CONTROL, PUBLIC_PAGE_CACHE_CONTROL } from '@/lib/server/http/private-response';
import { getExpose } from '@/lib/server/domain/exposes';
import { SESSION_HEADER } from '@/lib/server/session-header';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

// Stands in for Next: a dynamic page gets Next's default Cache-Control; records the session it was handed.
const seen: (string | undefined)[] = [];
function page(req: IncomingMessage, res: ServerResponse): void {
  seen.push(req.headers[SESSION_HEADER] as string | undefined);
  res.setHeader('cache-control', PRIVATE_CACHE_CONTROL);
  if (req.url === '/own-cookie') res.setHeader('set-cookie', 'draft=1');
  if (req.url?.startsWith('/expose/missing')) {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<p>not found</p>');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<p>the same for everyone</p>');
}

const database = testDatabases()[0]!;

describe('pages a CDN can cache (issue 16)', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    // No in-process page cache here (no pageHandler wrapper): every request reaches `page`.
    t = await createTestApp(await database.open(), { app: { pageHandler: page } });
    cookie = sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }));
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  const last = () => seen[seen.length - 1];

  it.each(['/', '/?sort=hot', '/expose/AbCdEfGhIjKl', '/expose/AbCdEfGhIjKl?published=1'])(
    'a cookie-less %s is public for a second (stale while revalidating), sets no cookie and renders without a session',
    async (url) => {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['cache-control']).toBe(PUBLIC_PAGE_CACHE_CONTROL);
      expect(PUBLIC_PAGE_CACHE_CONTROL).toMatch(/^public, s-maxage=1, stale-while-revalidate=\d+$/);
      // The browser's own cache keeps this copy apart from the same page once it holds a session.
      expect(res.headers.vary).toMatch(/(^|, )Cookie($|,)/);
      expect(last()).toBeUndefined();
    },
  );

  it('no page sets the session cookie, whichever page it is; the API still does', async () => {
    for (const url of ['/new', '/admin/login', '/expose/missing1234', '/other']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    }
    expect(sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/exposes' }))).toMatch(/^ec_sid=/);
  });

  it('with a session cookie the page renders for that session and stays private', async () => {
    const sid = cookie.split('=')[1]!.split('.')[0];
    const expose = await t.app.inject({ method: 'GET', url: '/expose/AbCdEfGhIjKl', headers: { cookie } });
    expect(expose.headers['set-cookie']).toBeUndefined();
    expect(expose.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    expect(last()).toBe(sid);
    const feed = await t.app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(feed.headers['cache-control']).toBe('private, no-cache, max-age=0, must-revalidate');
  });

  it('a forged cookie counts as none: public page, no cookie set, no session handed on', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: 'ec_sid=AbCdEfGhIjKlMnOpQrStUvWx.forged' } });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe(PUBLIC_PAGE_CACHE_CONTROL);
    expect(last()).toBeUndefined();
  });

  it('client-router (RSC) requests, errors and pages that set a cookie of their own are never public', async () => {
    const rsc = await t.app.inject({ method: 'GET', url: '/expose/AbCdEfGhIjKl', headers: { rsc: '1' } });
    expect(rsc.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    const missing = await t.app.inject({ method: 'GET', url: '/expose/missing1234' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    const own = await t.app.inject({ method: 'GET', url: '/own-cookie' });
    expect(own.headers['cache-control']).toBe(PRIVATE_CACHE_CONTROL);
    const head = await t.app.inject({ method: 'HEAD', url: '/' });
    expect(head.headers['set-cookie']).toBeUndefined();
  });

  it('an expose rendered without a session leaves the visitor’s vote unknown, so the engine looks it up after hydration', async () => {
    const id = await seedExpose(t.container.store);
    const expose = await getExpose(t.container, id);
    expect(expose.myVote).toBeUndefined();
    expect('myVote' in expose && expose.myVote === null).toBe(false);
  });
});

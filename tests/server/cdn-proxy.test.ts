import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_CACHE_CONTROL } from '@/lib/server/http/private-response';
import { SESSION_HEADER } from '@/lib/server/session-header';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { hasPrograms } from '../helpers/binaries';
import { startVarnish, type RunningVarnish } from '../helpers/varnish';

// A real caching proxy (Debian's Varnish, running deploy/varnish/default.vcl) in front of the real
// Fastify front door. The page renderer stands in for Next (its default Cache-Control for a dynamic
// page) and counts the renders that reach it: there is no in-process page cache here.
const VARNISH_PORT = 3284;
const renders: { url: string; session?: string }[] = [];
function page(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  renders.push({ url, session: req.headers[SESSION_HEADER] as string | undefined });
  if (url.startsWith('/_next/static/')) {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=31536000, immutable' });
    res.end('console.log(1)');
    return;
  }
  res.setHeader('cache-control', PRIVATE_CACHE_CONTROL);
  if (url === '/expose/owncookie1') res.setHeader('set-cookie', 'draft=1; Path=/');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<p>render ${renders.length}</p>`);
}
const rendersOf = (path: string) => renders.filter((r) => r.url === path);

const database = testDatabases()[0]!;

describe.skipIf(!hasPrograms('varnishd'))('behind a caching proxy (Varnish)', () => {
  let t: TestApp;
  let varnish: RunningVarnish;
  let cookie: string;
  beforeAll(async () => {
    t = await createTestApp(await database.open(), { app: { pageHandler: page }, env: { RATE_LIMITS: '0' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    varnish = await startVarnish(VARNISH_PORT, (t.app.server.address() as AddressInfo).port);
    cookie = sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }));
  }, 60_000);
  afterAll(async () => {
    await varnish?.stop();
    await t?.close();
    await database.cleanup();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${varnish.url}${path}`, { headers });

  it('1,000 cookie-less feed requests reach the app a few times, none carries a cookie', async () => {
    const started = Date.now();
    const responses: Response[] = [];
    for (let batch = 0; batch < 50; batch++) {
      responses.push(...(await Promise.all(Array.from({ length: 20 }, () => get('/')))));
    }
    const seconds = (Date.now() - started) / 1000;
    expect(responses.map((r) => r.status)).toEqual(Array(1000).fill(200));
    expect(responses.filter((r) => r.headers.has('set-cookie'))).toEqual([]);
    expect(responses[999]!.headers.get('cache-control')).toMatch(/^public, s-maxage=1, stale-while-revalidate=/);
    // One render, then at most one background refresh per second of the run (s-maxage=1).
    expect(rendersOf('/').length).toBeGreaterThanOrEqual(1);
    expect(rendersOf('/').length).toBeLessThanOrEqual(2 + Math.ceil(seconds));
    await Promise.all(responses.map((r) => r.text()));
  });

  it('the feed is shared with visitors who have a session too (the proxy drops their cookie for it)', async () => {
    await get('/?sort=hot');
    const before = rendersOf('/?sort=hot').length;
    const res = await get('/?sort=hot', { cookie });
    expect(res.headers.get('x-varnish')).toMatch(/^\d+ \d+$/); // a hit: this request's id and the stored one's
    expect(rendersOf('/?sort=hot').length).toBe(before);
  });

  it('no response with a Set-Cookie is ever stored: API replies and a page that sets its own cookie', async () => {
    const a = await get('/api/health');
    const b = await get('/api/health');
    expect(a.headers.get('set-cookie')).toMatch(/^ec_sid=/);
    expect(b.headers.get('set-cookie')).toMatch(/^ec_sid=/);
    expect(b.headers.get('set-cookie')).not.toBe(a.headers.get('set-cookie'));
    for (let i = 0; i < 3; i++) expect((await get('/expose/owncookie1')).headers.get('set-cookie')).toBe('draft=1; Path=/');
    expect(rendersOf('/expose/owncookie1').length).toBe(3);
  });

  it('an expose page is shared with cookie-less visitors; a visitor with a session gets their own render, uncached', async () => {
    const path = '/expose/AbCdEfGhIjKl';
    const first = await get(path);
    const second = await get(path);
    expect(first.headers.get('cache-control')).toMatch(/^public/);
    expect(await second.text()).toBe(await first.text());
    expect(rendersOf(path).length).toBe(1);
    const sid = cookie.split('=')[1]!.split('.')[0];
    for (let i = 0; i < 2; i++) {
      const mine = await get(path, { cookie });
      expect(mine.headers.get('cache-control')).toBe(PRIVATE_CACHE_CONTROL);
      expect(mine.headers.get('set-cookie')).toBeNull();
    }
    expect(rendersOf(path).map((r) => r.session)).toEqual([undefined, sid, sid]);
  });

  it('hashed static files are kept for a year, whoever asks', async () => {
    const path = '/_next/static/chunks/app-0123abcd.js';
    await get(path);
    const again = await get(path, { cookie });
    expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(rendersOf(path).length).toBe(1);
  });
});

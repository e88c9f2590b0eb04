import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { PAGE_CACHE_HEADER, withPageCache } from '@/lib/server/pages/page-cache';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

/** Stands in for Next: numbers its renders, streams them in two chunks, can be held or misbehave. */
const next = {
  renders: 0,
  mode: 'ok' as 'ok' | 'own-cookie' | 'error',
  gate: null as Promise<void> | null,
  async handle(req: IncomingMessage, res: ServerResponse) {
    const n = ++next.renders;
    const gate = next.gate;
    res.statusCode = next.mode === 'error' ? 500 : 200;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'private, no-cache, no-store, max-age=0, must-revalidate');
    if (next.mode === 'own-cookie') res.appendHeader('set-cookie', 'draft=1');
    res.write(`<p>render ${n} `);
    if (gate) await gate;
    res.end(`for ${req.headers['accept-encoding'] ?? 'identity'}</p>`);
  },
};
function hold() {
  let release!: () => void;
  next.gate = new Promise<void>((r) => (release = r));
  return () => {
    next.gate = null;
    release();
  };
}

let clock = 0;
const database = testDatabases()[0]!;

describe('page cache in front of Next', () => {
  let t: TestApp;
  const get = (headers: Record<string, string> = {}, url = '/') => t.app.inject({ method: 'GET', url, headers });
  beforeAll(async () => {
    const pageHandler = withPageCache((req, res) => next.handle(req, res), { paths: ['/'], freshMs: 1000, staleMs: 2000, now: () => clock });
    t = await createTestApp(await database.open(), { app: { pageHandler } });
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });
  beforeEach(() => {
    clock += 60_000; // every test starts with no usable copy
    next.mode = 'ok';
  });

  it('replays one render to every visitor for a second, with nobody’s cookie', async () => {
    const before = next.renders;
    const first = await get();
    expect(first.headers[PAGE_CACHE_HEADER]).toBe('miss');
    clock += 999;
    const second = await get();
    expect(second.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(next.renders).toBe(before + 1);
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(second.headers['content-length'])).toBe(Buffer.byteLength(second.body));
    // Both were first visits: no cookie for either (pages never set it), and public for a shared cache.
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(second.headers['cache-control']).toContain('public');
    // A returning visitor gets the same copy, still without a cookie, and private.
    const cookie = sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }));
    const returning = await get({ cookie });
    expect(returning.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(returning.headers['set-cookie']).toBeUndefined();
    expect(returning.headers['cache-control']).toContain('private');
    expect(returning.body).toBe(first.body);
  });

  it('after a second: one request renders while the others get the previous copy', async () => {
    const old = await get();
    clock += 1500;
    const release = hold();
    const refreshing = get();
    await new Promise((r) => setTimeout(r, 20));
    const stale = await get();
    expect(stale.headers[PAGE_CACHE_HEADER]).toBe('stale');
    expect(stale.body).toBe(old.body);
    release();
    const fresh = await refreshing;
    expect(fresh.body).not.toBe(old.body);
    const after = await get();
    expect(after.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(after.body).toBe(fresh.body);
  });

  it('with no usable copy, concurrent requests wait for a single render', async () => {
    const before = next.renders;
    const release = hold();
    const all = [get(), get(), get()];
    await new Promise((r) => setTimeout(r, 20));
    release();
    const bodies = (await Promise.all(all)).map((r) => r.body);
    expect(next.renders).toBe(before + 1);
    expect(new Set(bodies).size).toBe(1);
  });

  it.each([
    ['a failed render', () => (next.mode = 'error')],
    ['a render that set a cookie of its own', () => (next.mode = 'own-cookie')],
  ])('never keeps %s', async (_name, misbehave) => {
    misbehave();
    const before = next.renders;
    await get();
    await get();
    expect(next.renders).toBe(before + 2);
  });

  it.each([
    ['a client-router request', { rsc: '1' }, '/'],
    ['a prefetch', { 'next-router-prefetch': '1' }, '/'],
    ['a query string', {}, '/?page=2'],
    ['another path', {}, '/new'],
  ])('sends %s to Next every time', async (_name, headers: Record<string, string>, url) => {
    const before = next.renders;
    const res = await get(headers, url);
    await get(headers, url);
    expect(next.renders).toBe(before + 2);
    expect(res.headers[PAGE_CACHE_HEADER]).toBeUndefined();
  });

  it('keeps one copy per Accept-Encoding (Next compresses per request)', async () => {
    const gzip = await get({ 'accept-encoding': 'gzip' });
    const plain = await get();
    expect(gzip.body).toContain('for gzip');
    expect(plain.body).toContain('for identity');
    expect((await get({ 'accept-encoding': 'gzip' })).body).toBe(gzip.body);
  });

  it('keys copies by a normalised Accept-Encoding, so junk values cannot fill its slots', async () => {
    const before = next.renders;
    for (let i = 0; i < 20; i++) {
      expect((await get({ 'accept-encoding': `x-junk-${i}` })).body).toContain('for identity');
    }
    expect(next.renders).toBe(before + 1);
    // a browser's usual header still gets its own (gzip) copy, rendered once
    const gzip = await get({ 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(gzip.body).toContain('for gzip');
    expect((await get({ 'accept-encoding': 'br;q=1, gzip;q=0.5' })).body).toBe(gzip.body);
    expect((await get({ 'accept-encoding': 'gzip;q=0, deflate' })).body).toContain('for identity');
    expect(next.renders).toBe(before + 2);
  });
});

describe('page rate limit', () => {
  let t: TestApp;
  let feedRenders = 0;
  beforeAll(async () => {
    const pageHandler = withPageCache(
      (req, res) => {
        if (req.url === '/') feedRenders++;
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<p>feed</p>');
      },
      { paths: ['/'], freshMs: 60_000, staleMs: 120_000 },
    );
    t = await createTestApp(await database.open(), { app: { pageHandler } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits pages per IP hash, replayed copies included; build assets are not counted', async () => {
    const page = (url = '/', remoteAddress = '203.0.113.9') => t.app.inject({ method: 'GET', url, remoteAddress });
    const limit = RATE_LIMIT_POLICY.page[0].points;
    const statuses = new Map<number, number>();
    for (let i = 0; i < limit; i++) {
      const res = await page(i % 2 ? '/' : '/_next/static/chunks/app.js');
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    expect(statuses).toEqual(new Map([[200, limit]]));
    for (let i = 0; i < limit / 2; i++) expect((await page('/expose/x')).statusCode).toBe(200);
    const over = await page();
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await page('/_next/static/chunks/app.js')).statusCode).toBe(200);
    // another address is not affected
    expect((await page('/', '203.0.113.10')).statusCode).toBe(200);
    // the feed was rendered once and replayed after that: replays count against the limit too
    expect(feedRenders).toBe(1);
  });
});

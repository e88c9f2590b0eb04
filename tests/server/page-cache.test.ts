import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

  it('replays one render to every visitor for a second, each with only their own new cookie', async () => {
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
    // Both were first visits: each got a cookie, and never the other's.
    const a = sessionCookieOf(first);
    const b = sessionCookieOf(second);
    expect(a).not.toBe(b);
    expect(String(second.headers['set-cookie'])).not.toContain(a);
    expect(second.headers['cache-control']).toContain('private');
    // A returning visitor gets the copy without any cookie.
    const returning = await get({ cookie: a });
    expect(returning.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(returning.headers['set-cookie']).toBeUndefined();
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
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPageCache } from '@/lib/server/pages/page-cache';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

// Stands in for Next: like Next, it takes the script nonce from the request's CSP header and puts it
// on its inline scripts. It also says which CSP request header it saw.
function nextLike(req: IncomingMessage, res: ServerResponse): void {
  const csp = String(req.headers['content-security-policy'] ?? '');
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
  if (req.url?.startsWith('/_next/static/')) {
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.setHeader('content-type', 'application/javascript');
    res.end('console.log(1)');
    return;
  }
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<html><body><script nonce="${nonce}">self.x=1</script></body></html>`);
}

const nonceOfBody = (body: string) => /<script nonce="([^"]*)"/.exec(body)?.[1];
const nonceOfHeader = (csp: unknown) => /script-src[^;]*'nonce-([^']+)'/.exec(String(csp))?.[1];
const directive = (csp: unknown, name: string) =>
  String(csp)
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

const database = testDatabases()[0]!;

describe('security headers', () => {
  let t: TestApp;
  let https: TestApp;
  beforeAll(async () => {
    const store = await database.open();
    const cached = withPageCache(nextLike, { paths: ['/'], freshMs: 60_000, staleMs: 120_000 });
    t = await createTestApp(store, { app: { pageHandler: cached } });
    https = await createTestApp(store, { env: { PUBLIC_URL: 'https://corner.example' }, app: { pageHandler: cached } });
  });
  afterAll(async () => {
    await t.close();
    await https.close();
    await database.cleanup();
  });

  it('API replies (also errors and unknown paths) get a strict CSP, nosniff, a referrer policy and no framing', async () => {
    for (const url of ['/api/health', '/api/exposes/nope', '/api/no-such-thing']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(directive(res.headers['content-security-policy'], 'default-src')).toBe("default-src 'none'");
      expect(directive(res.headers['content-security-policy'], 'frame-ancestors')).toBe("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('pages get a CSP whose script nonce is the one the renderer used, new on every render, and no inline scripts otherwise', async () => {
    const seen = new Set<string>();
    for (const url of ['/expose/a', '/expose/a', '/new']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'content-security-policy': "script-src 'nonce-chosenbyme'" } });
      const csp = res.headers['content-security-policy'];
      const script = directive(csp, 'script-src') ?? '';
      expect(script).not.toContain("'unsafe-inline'");
      expect(script).toContain("'strict-dynamic'");
      expect(directive(csp, 'frame-ancestors')).toBe("frame-ancestors 'none'");
      expect(directive(csp, 'object-src')).toBe("object-src 'none'");
      // same-origin workers: the proof-of-work solver and the offline service worker
      expect(directive(csp, 'worker-src')).toBe("worker-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      const nonce = nonceOfHeader(csp);
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22,}={0,2}$/);
      expect(nonce).not.toBe('chosenbyme'); // a client cannot pick the nonce the page is rendered with
      expect(nonceOfBody(res.body)).toBe(nonce);
      seen.add(nonce!);
    }
    expect(seen.size).toBe(3);
  });

  it('the cached feed is replayed with the CSP of the render its bytes came from', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/' });
    const replayed = await t.app.inject({ method: 'GET', url: '/' });
    expect(replayed.headers['x-ec-page-cache']).toBe('hit');
    expect(replayed.body).toBe(first.body);
    expect(nonceOfHeader(replayed.headers['content-security-policy'])).toBe(nonceOfBody(replayed.body));
  });

  it('with an https PUBLIC_URL, every reply carries HSTS', async () => {
    for (const url of ['/api/health', '/expose/a']) {
      const res = await https.app.inject({ method: 'GET', url });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    }
  });

  it('static assets never carry a cookie or a private Cache-Control: a CDN may keep them', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/_next/static/chunks/app.js' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // pages set no cookie either (issue 16); the first API response does
    expect((await t.app.inject({ method: 'GET', url: '/new' })).headers['set-cookie']).toBeUndefined();
    expect(sessionCookieOf(await t.app.inject({ method: 'GET', url: '/api/health' }))).toMatch(/^ec_sid=/);
  });

  it('script assets carry a CSP a worker can run under: same-origin scripts only (a worker gets its own script response CSP)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/_next/static/chunks/turbopack-worker-abc.js' });
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

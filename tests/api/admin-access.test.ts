import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { ADMIN_COOKIE, adminCookieValue } from '@/lib/server/http/admin-auth';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { JSON_HEADERS } from '../helpers/http';

const TOKEN = 'admin-token-for-tests-0123456789';
const OUTSIDER = '203.0.113.7';
const [database] = testDatabases();

const scrape = (t: TestApp, opts: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  t.app.inject({ method: 'GET', url: '/api/metrics', remoteAddress: opts.remoteAddress, headers: opts.headers });

const login = (t: TestApp, token: unknown, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/admin/login', remoteAddress, headers: JSON_HEADERS, payload: JSON.stringify({ token }) });

const cookieFrom = (res: { headers: Record<string, unknown> }): string => {
  const all = [res.headers['set-cookie']].flat().map(String);
  const admin = all.find((c) => c.startsWith(`${ADMIN_COOKIE}=`));
  if (!admin) throw new Error('no admin cookie');
  return admin;
};

describe('admin access without ADMIN_TOKEN: loopback only', () => {
  let t: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await database!.open());
    proxied = await createTestApp(await database!.open(), { env: { TRUST_PROXY: '1' } });
  });
  afterAll(async () => {
    await t.close();
    await proxied.close();
    await database!.cleanup();
  });

  it.each([['127.0.0.1'], ['127.8.9.10'], ['::1'], ['::ffff:127.0.0.1']])('lets %s in', async (remoteAddress) => {
    const res = await scrape(t, { remoteAddress });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('ec_writes_total');
  });

  it.each([
    ['a public address', OUTSIDER, {}],
    ['a private address', '10.0.0.5', {}],
    ['a forged X-Forwarded-For: 127.0.0.1 (TRUST_PROXY off)', OUTSIDER, { 'x-forwarded-for': '127.0.0.1' }],
    ['a forged X-Real-IP / Forwarded', OUTSIDER, { 'x-real-ip': '127.0.0.1', forwarded: 'for=127.0.0.1' }],
  ])('refuses %s with 403 forbidden', async (_name, remoteAddress, headers: Record<string, string>) => {
    const res = await scrape(t, { remoteAddress, headers });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('loopback') } });
    expect(res.body).not.toContain('ec_writes_total');
  });

  it('behind a trusted proxy (TRUST_PROXY=1), the forwarded client must be loopback too', async () => {
    // The proxy runs on loopback; the client it forwards is an outsider.
    expect((await scrape(proxied, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': OUTSIDER } })).statusCode).toBe(403);
    expect((await scrape(proxied, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(200);
    expect((await scrape(proxied, { remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    // A non-loopback socket never gets in, whatever it forwards.
    expect((await scrape(proxied, { remoteAddress: OUTSIDER, headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(403);
  });

  it('has no login without a token', async () => {
    const res = await login(t, 'anything');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });
});

describe('admin access with ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await database!.open(), { env: { ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await t.close();
    await database!.cleanup();
  });

  it.each([
    ['no credentials, even from loopback', '127.0.0.1', {}],
    ['a wrong bearer token', '127.0.0.1', { authorization: 'Bearer wrong-token-wrong-token-wrong' }],
    ['the token as Basic auth', '127.0.0.1', { authorization: `Basic ${TOKEN}` }],
    ['a forged admin cookie', OUTSIDER, { cookie: `${ADMIN_COOKIE}=9999999999999.forged` }],
    ['an admin cookie of another token', OUTSIDER, { cookie: `${ADMIN_COOKIE}=${adminCookieValue(`${TOKEN}-other`, Date.now())}` }],
    ['an expired admin cookie', OUTSIDER, { cookie: `${ADMIN_COOKIE}=${adminCookieValue(TOKEN, Date.now() - 13 * 3600_000)}` }],
  ])('refuses %s with 401', async (_name, remoteAddress, headers: Record<string, string>) => {
    const res = await scrape(t, { remoteAddress, headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('accepts the bearer token from anywhere', async () => {
    const res = await scrape(t, { remoteAddress: OUTSIDER, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE ec_writes_total counter');
  });

  it('logs in with the token: an HttpOnly, SameSite=Strict cookie that opens /api/metrics', async () => {
    const wrong = await login(t, 'not-the-token', OUTSIDER);
    expect(wrong.statusCode).toBe(401);
    expect([wrong.headers['set-cookie']].flat().join()).not.toContain(ADMIN_COOKIE);

    const res = await login(t, TOKEN, OUTSIDER);
    expect(res.statusCode).toBe(204);
    const cookie = cookieFrom(res);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(TOKEN);
    const ok = await scrape(t, { remoteAddress: OUTSIDER, headers: { cookie: cookie.split(';')[0]! } });
    expect(ok.statusCode).toBe(200);
  });

  it('rate-limits login attempts per client', async () => {
    const from = '198.51.100.9';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(t, `guess-${i}`, from)).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Once limited, even the right token waits.
    expect((await login(t, TOKEN, from)).statusCode).toBe(429);
  });
});

describe('ADMIN_TOKEN configuration', () => {
  it('refuses a short token', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    expect(loadConfig({ ADMIN_TOKEN: TOKEN }).adminToken).toBe(TOKEN);
    expect(loadConfig({}).adminToken).toBeUndefined();
  });
});

import { sign } from '@fastify/cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const json = { 'content-type': 'application/json' };
const SID = 'AbCdEfGhIjKlMnOpQrStUvWx'; // 24 characters, the shape of a session id
// As the browser sends it back: the signature's base64 URL-encoded, as Set-Cookie wrote it.
const signed = (value: string, secret: string) => encodeURIComponent(sign(value, secret));

const database = testDatabases()[0]!;

describe('session cookie and PUBLIC_URL', () => {
  let plain: TestApp;
  let https: TestApp;
  let rotated: TestApp;
  let exposeId: string;
  beforeAll(async () => {
    const store = await database.open();
    exposeId = await seedExpose(store);
    plain = await createTestApp(store, { env: { SESSION_SECRET: OLD } });
    https = await createTestApp(store, { env: { SESSION_SECRET: OLD, PUBLIC_URL: 'https://corner.example' } });
    rotated = await createTestApp(store, { env: { SESSION_SECRET: `${NEW},${OLD}` } });
  });
  afterAll(async () => {
    await Promise.all([plain.close(), https.close(), rotated.close()]);
    await database.cleanup();
  });

  it('with an https PUBLIC_URL the cookie is __Host-ec_sid and Secure, also when TLS ends at a proxy (plain http here)', async () => {
    const res = await https.app.inject({ method: 'GET', url: '/api/health' });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^__Host-ec_sid=[A-Za-z0-9_-]{24}\.[^;]+;/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; Path=\//);
    expect(header).not.toMatch(/Domain=/i);
    const again = await https.app.inject({ method: 'GET', url: '/api/health', headers: { cookie: sessionCookieOf(res) } });
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('without PUBLIC_URL over plain http the cookie keeps its name and is not Secure', async () => {
    const header = String((await plain.app.inject({ method: 'GET', url: '/api/health' })).headers['set-cookie']);
    expect(header).toMatch(/^ec_sid=/);
    expect(header).not.toMatch(/Secure/);
  });

  it('a session from before the switch to https keeps its votes and moves to the new cookie name', async () => {
    const old = `ec_sid=${signed(SID, OLD)}`;
    const vote = await plain.app.inject({ method: 'POST', url: '/api/expose/vote', headers: { ...json, cookie: old }, payload: { exposeId, voteType: 'upvote' } });
    expect(vote.json()).toMatchObject({ myVote: 'upvote' });
    const res = await https.app.inject({ method: 'GET', url: `/api/exposes/${exposeId}`, headers: { cookie: old } });
    expect(res.json()).toMatchObject({ myVote: 'upvote' });
    const set = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]);
    expect(set.find((c) => c.startsWith('__Host-ec_sid='))).toMatch(new RegExp(`^__Host-ec_sid=${SID}\\.`));
    expect(set.find((c) => c.startsWith('ec_sid='))).toMatch(/Max-Age=0/);
  });

  it('PUBLIC_URL decides which Origin may write, whatever the Host header says', async () => {
    const post = (app: TestApp, origin: string) =>
      app.app.inject({ method: 'POST', url: '/api/expose/vote', headers: { ...json, origin, host: 'internal:3000' }, payload: { exposeId, voteType: 'none' } });
    expect((await post(https, 'https://corner.example')).statusCode).toBe(200);
    expect((await post(https, 'http://internal:3000')).statusCode).toBe(403);
    expect((await post(https, 'http://corner.example')).statusCode).toBe(403);
    expect((await post(plain, 'http://internal:3000')).statusCode).toBe(200);
  });

  it('after a rotation, a cookie signed with the old secret keeps its session and is re-signed with the new one', async () => {
    const old = `ec_sid=${signed(SID, OLD)}`;
    const res = await rotated.app.inject({ method: 'GET', url: `/api/exposes/${exposeId}`, headers: { cookie: old } });
    expect(res.json()).toMatchObject({ myVote: 'upvote' }); // the vote cast above, same session
    expect(sessionCookieOf(res)).toBe(`ec_sid=${signed(SID, NEW)}`);
    const fresh = await rotated.app.inject({ method: 'GET', url: '/api/health', headers: { cookie: sessionCookieOf(res) } });
    expect(fresh.headers['set-cookie']).toBeUndefined();
  });

  it('a cookie signed with an unknown secret gets a new session', async () => {
    const foreign = `ec_sid=${signed(SID, 'x'.repeat(40))}`;
    const res = await rotated.app.inject({ method: 'GET', url: '/api/health', headers: { cookie: foreign } });
    expect(sessionCookieOf(res)).toMatch(/^ec_sid=/);
    expect(sessionCookieOf(res)).not.toContain(SID);
  });

  it.each([
    ['a secret in the list is shorter than 32 characters', { SESSION_SECRET: `${NEW},short` }],
    ['PUBLIC_URL is not an http(s) origin', { PUBLIC_URL: 'ftp://corner.example' }],
    ['PUBLIC_URL has a path', { PUBLIC_URL: 'https://corner.example/app' }],
  ])('refuses to start when %s', (_name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});

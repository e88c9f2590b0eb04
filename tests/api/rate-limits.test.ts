import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { signedInVisitor } from '../helpers/http';

const COMMENTS = '/api/expose/comments';

it('RATE_LIMITS=0 switches the limits off; they are on by default', () => {
  expect(loadConfig({}).rateLimits).toBe(true);
  expect(loadConfig({ RATE_LIMITS: '1' }).rateLimits).toBe(true);
  expect(loadConfig({ RATE_LIMITS: '0' }).rateLimits).toBe(false);
  expect(() => loadConfig({ RATE_LIMITS: 'off' })).toThrow(/RATE_LIMITS/);
});

it('limits comments to 5 a minute and 30 an hour per session', () => {
  expect(RATE_LIMIT_POLICY.comment).toEqual(
    expect.arrayContaining([
      { by: 'session', points: 5, durationSec: 60 },
      { by: 'session', points: 30, durationSec: 3600 },
    ]),
  );
});

for (const database of testDatabases()) {
  describe(`rate limits on ${database.name}`, () => {
    let t: TestApp;
    let unlimited: TestApp;
    let id: string;
    beforeAll(async () => {
      const store = await database.open();
      t = await createTestApp(store, { overrides: { maintenance: false } });
      unlimited = await createTestApp(store, { env: { RATE_LIMITS: '0' }, overrides: { maintenance: false } });
      id = await seedExpose(store);
    });
    afterAll(async () => {
      await t.close();
      await unlimited.close();
      await database.cleanup();
    });

    it('answers the 6th comment in a minute with 429 rate_limited and Retry-After, writing nothing', async () => {
      const v = await signedInVisitor(t.app, { remoteAddress: '192.0.2.10' });
      for (let i = 0; i < 5; i++) expect((await v.post(COMMENTS, { exposeId: id, body: `c${i}` })).statusCode).toBe(201);
      const before = (await t.container.store.findExpose(id))!.comments;
      const res = await v.post(COMMENTS, { exposeId: id, body: 'one too many' });
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('rate_limited');
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await t.container.store.findExpose(id))!.comments).toBe(before);
      // another visitor behind the same address is not held back by this session's limit
      const other = await signedInVisitor(t.app, { remoteAddress: '192.0.2.10' });
      expect((await other.post(COMMENTS, { exposeId: id, body: 'me too' })).statusCode).toBe(201);
    });

    it('limits votes per session', async () => {
      const v = await signedInVisitor(t.app, { remoteAddress: '192.0.2.11' });
      const limit = RATE_LIMIT_POLICY.vote[0].points;
      const replies = await Promise.all(
        Array.from({ length: limit + 5 }, (_, i) =>
          v.post('/api/expose/vote', { exposeId: id, voteType: i % 2 ? 'upvote' : 'downvote' }),
        ),
      );
      expect(replies.filter((r) => r.statusCode === 200)).toHaveLength(limit);
      expect(replies.filter((r) => r.statusCode === 429)).toHaveLength(5);
    });

    it('limits reads of the feed and of one expose per session, in the same window as the other reads', async () => {
      const v = await signedInVisitor(t.app, { remoteAddress: '192.0.2.13' });
      const limit = RATE_LIMIT_POLICY.read[0].points;
      for (let i = 0; i < limit; i += 50) {
        const replies = await Promise.all(Array.from({ length: 50 }, () => v.get(`/api/exposes/${id}`)));
        expect(replies.every((r) => r.statusCode === 200)).toBe(true);
      }
      for (const url of [`/api/exposes/${id}`, '/api/exposes', `/api/expose/metrics?ids=${id}`]) {
        const res = await v.get(url);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 429 });
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    });

    it('lets everything through with RATE_LIMITS=0', async () => {
      const v = await signedInVisitor(unlimited.app, { remoteAddress: '192.0.2.12' });
      for (let i = 0; i < 8; i++) expect((await v.post(COMMENTS, { exposeId: id, body: `u${i}` })).statusCode).toBe(201);
    });
  });
}

const redisUrl = process.env.TEST_REDIS_URL;
describe.skipIf(!redisUrl)('rate limits shared through Redis', () => {
  const database = testDatabases()[0]!;
  let a: TestApp;
  let b: TestApp;
  let id: string;
  beforeAll(async () => {
    const store = await database.open();
    // A secret of this run only: the IP hash is keyed by it, so this run's windows in the shared Redis
    // are its own (a fixed secret let earlier runs' points fill the per-IP comment window).
    const env = { REDIS_URL: redisUrl!, SESSION_SECRET: randomBytes(24).toString('hex') };
    a = await createTestApp(store, { env, overrides: { maintenance: false } });
    b = await createTestApp(store, { env, overrides: { maintenance: false } });
    id = await seedExpose(store);
    // Until Redis is connected each instance falls back to its own memory limiter.
    const ready = (t: TestApp) =>
      new Promise<void>((resolve) => (t.container.redis!.status === 'ready' ? resolve() : t.container.redis!.once('ready', resolve)));
    await Promise.all([ready(a), ready(b)]);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await database.cleanup();
  });

  it('counts one session’s comments across two instances', async () => {
    const v = await signedInVisitor(a.app);
    const onB = (p: unknown) =>
      b.app.inject({
        method: 'POST',
        url: COMMENTS,
        headers: { 'content-type': 'application/json', cookie: v.cookie! },
        payload: JSON.stringify(p),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const payload = { exposeId: id, body: `r${i}` };
      statuses.push((await (i % 2 ? onB(payload) : v.post(COMMENTS, payload))).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

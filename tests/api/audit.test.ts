import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS, signedInVisitor } from '../helpers/http';

const NEW_SESSIONS = RATE_LIMIT_POLICY.newSession[0].points;
const ua = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${n}.0 Safari/537.36`;

async function inParallel(count: number, width: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

for (const database of testDatabases()) {
  describe(`audit on ${database.name}: counted + dropped by reason = requests`, () => {
    let t: TestApp;
    beforeAll(async () => {
      // Rate limits on (the defaults), a small view cap so the view flood reaches it under the limit.
      t = await createTestApp(await database.open(), { env: { MAX_VIEWS_PER_IP: '50' }, overrides: { maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const post = (url: string, body: object, remoteAddress: string, n: number, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { ...JSON_HEADERS, 'user-agent': ua(n), ...headers },
        payload: JSON.stringify(body),
      });
    const audit = async (exposeId: string, remoteAddress = '127.0.0.1') =>
      t.app.inject({ method: 'GET', url: `/api/expose/audit?exposeId=${exposeId}`, remoteAddress });
    const statuses = new Map<number, number>();
    const tally = (status: number): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);

    it('votes: counted, over the IP cap, rate limited, unchanged and expired', async () => {
      const id = await seedExpose(t.container.store);
      statuses.clear();
      // 1,300 cookie-less upvotes from one address: 60 pass its new-session limit, 30 of them count,
      // the other 30 are asked for a proof of work they never send
      await inParallel(1300, 25, async (n) => tally((await post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, '198.51.100.40', n)).statusCode));
      expect(Object.fromEntries(statuses)).toEqual({ 200: 30, 428: NEW_SESSIONS - 30, 429: 1300 - NEW_SESSIONS });
      // one person voting up twice: the second changes nothing
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.41' });
      await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
      await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
      const res = await audit(id);
      expect(res.statusCode).toBe(200);
      expect(res.json().days).toEqual([
        {
          day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          kind: 'vote',
          requests: 1302,
          counted: 31,
          dropped: { challenge_required: NEW_SESSIONS - 30, rate_limited: 1300 - NEW_SESSIONS, no_change: 1 },
        },
      ]);
      expect((await t.container.store.findExpose(id))!.upvotes).toBe(31);

      const gone = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      expect((await post('/api/expose/vote', { exposeId: gone, voteType: 'upvote' }, '198.51.100.42', 0)).statusCode).toBe(410);
      expect((await audit(gone)).json().days).toMatchObject([{ kind: 'vote', requests: 1, counted: 0, dropped: { expired: 1 } }]);
    }, 120_000);

    it('views: counted, over the IP cap, duplicate, bot and rate limited', async () => {
      const id = await seedExpose(t.container.store);
      statuses.clear();
      // the view window (600/min) is wider than the new-session one: cookie-less views stop at the latter
      await inParallel(610, 25, async (n) => tally((await post('/api/expose/views', { exposeId: id }, '198.51.100.43', n)).statusCode));
      expect(Object.fromEntries(statuses)).toEqual({ 200: NEW_SESSIONS, 429: 610 - NEW_SESSIONS });
      await post('/api/expose/views', { exposeId: id }, '198.51.100.44', 1);
      await post('/api/expose/views', { exposeId: id }, '198.51.100.44', 1);
      await post('/api/expose/views', { exposeId: id }, '198.51.100.44', 1, { 'user-agent': 'curl/8.5.0' });
      expect((await audit(id)).json().days).toEqual([
        {
          day: expect.any(String),
          kind: 'view',
          requests: 613,
          counted: 51,
          dropped: { over_ip_cap: NEW_SESSIONS - 50, rate_limited: 610 - NEW_SESSIONS, duplicate_view: 1, bot: 1 },
        },
      ]);
      expect((await t.container.store.findExpose(id))!.views).toBe(51);
    }, 120_000);

    it('shares: counted, asked for a proof of work and replayed', async () => {
      const id = await seedExpose(t.container.store);
      for (let n = 0; n < 15; n++) expect((await post('/api/expose/share', { exposeId: id }, '198.51.100.45', n)).statusCode).toBe(n < 10 ? 200 : 428);
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.46' });
      await v.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'k1' });
      await v.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'k1' });
      expect((await audit(id)).json().days).toEqual([
        { day: expect.any(String), kind: 'share', requests: 17, counted: 11, dropped: { challenge_required: 5, replayed: 1 } },
      ]);
      expect((await t.container.store.findExpose(id))!.shares).toBe(11);
    });

    it('is admin only: without ADMIN_TOKEN loopback passes and others get 403', async () => {
      const id = await seedExpose(t.container.store);
      expect((await audit(id, '203.0.113.9')).statusCode).toBe(403);
      expect((await audit(id, '::1')).statusCode).toBe(200);
      expect((await audit('no-such-expose')).statusCode).toBe(404);
    });

    it('with ADMIN_TOKEN: the bearer token from anywhere, 401 without it even on loopback', async () => {
      const token = 'audit-test-admin-token-0123456789';
      const admin = await createTestApp(t.container.store, { env: { ADMIN_TOKEN: token }, overrides: { maintenance: false } });
      try {
        const id = await seedExpose(t.container.store);
        const get = (remoteAddress: string, headers: Record<string, string> = {}) =>
          admin.app.inject({ method: 'GET', url: `/api/expose/audit?exposeId=${id}`, remoteAddress, headers });
        expect((await get('203.0.113.9', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
        expect((await get('127.0.0.1')).statusCode).toBe(401);
        expect((await get('203.0.113.9', { authorization: 'Bearer wrong' })).statusCode).toBe(401);
      } finally {
        await admin.close();
      }
    });
  });
}

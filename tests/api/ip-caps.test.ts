import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS } from '../helpers/http';

const FREE_VOTES = loadConfig({}).freeVotesPerIp;
const MAX_VIEWS = loadConfig({}).maxViewsPerIp;
const FREE_SHARES = loadConfig({}).freeSharesPerIp;
const ua = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${n}.0 Safari/537.36`;

/** Runs `count` tasks, `width` at a time: concurrent requests race for the same cap. */
async function inParallel(count: number, width: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

it('defaults: 30 free and 1,000 counted votes, 10 free and 200 counted shares, 500 counted views per IP identity, expose and day', () => {
  expect(FREE_VOTES).toBe(30);
  expect(MAX_VIEWS).toBe(500);
  expect(FREE_SHARES).toBe(10);
  expect(loadConfig({}).maxVotesPerIp).toBe(1000);
  expect(loadConfig({}).maxSharesPerIp).toBe(200);
  expect(loadConfig({ FREE_VOTES_PER_IP: '0', MAX_VIEWS_PER_IP: '7' })).toMatchObject({ freeVotesPerIp: 0, maxViewsPerIp: 7 });
  expect(() => loadConfig({ FREE_VOTES_PER_IP: '50', MAX_VOTES_PER_IP: '40' })).toThrow(/MAX_VOTES_PER_IP/);
});

for (const database of testDatabases()) {
  describe(`IP caps on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      // Rate limits off: they would answer 429 long before 5,000 requests; the caps hold regardless.
      t = await createTestApp(await database.open(), { env: { RATE_LIMITS: '0' }, overrides: { maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const send = (url: string, exposeId: string, remoteAddress: string, n: number, extra: object = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { ...JSON_HEADERS, 'user-agent': ua(n) },
        payload: JSON.stringify({ exposeId, ...extra }),
      });

    const upvoteFlood = async (address: (n: number) => string) => {
      const id = await seedExpose(t.container.store);
      const statuses = new Map<number, number>();
      await inParallel(5000, 50, async (n) => {
        const res = await send('/api/expose/vote', id, address(n), n, { voteType: 'upvote' });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        // beyond the free votes: a proof of work is asked for, and nothing is stored
        if (res.statusCode === 428) expect(res.json()).toMatchObject({ error: { code: 'challenge_required' }, challenge: { algorithm: 'SHA-256' } });
        else expect(res.json().myVote).toBe('upvote');
      });
      expect(Object.fromEntries(statuses)).toEqual({ 200: FREE_VOTES, 428: 5000 - FREE_VOTES });
      await t.container.audit.flush();
      expect((await t.container.store.readAudit(id)).map((r) => [r.outcome, r.n]).sort()).toEqual([
        ['challenge_required', 5000 - FREE_VOTES],
        ['counted', FREE_VOTES],
      ]);
      return (await t.container.store.findExpose(id))!;
    };

    it('5,000 cookie-less upvotes from one IPv4 with rotating user agents and no solutions: netVotes grows by exactly the free cap', async () => {
      const row = await upvoteFlood(() => '198.51.100.23');
      expect(row.upvotes - row.downvotes).toBe(FREE_VOTES);
    }, 180_000);

    it('the same from 5,000 addresses of one IPv6 /64', async () => {
      const row = await upvoteFlood((n) => `2001:db8:5:5:${n.toString(16)}:${(n * 13).toString(16)}::1`);
      expect(row.upvotes - row.downvotes).toBe(FREE_VOTES);
    }, 180_000);

    it('5,000 views with rotating user agents from one IP stop at the view cap', async () => {
      const id = await seedExpose(t.container.store);
      let counted = 0;
      await inParallel(5000, 50, async (n) => {
        const res = await send('/api/expose/views', id, '198.51.100.24', n);
        expect(res.statusCode).toBe(200);
        if (res.json().counted) counted++;
      });
      expect(counted).toBe(MAX_VIEWS);
      expect((await t.container.store.findExpose(id))!.views).toBe(MAX_VIEWS);
    }, 180_000);

    it('500 cookie-less shares from one IP without solutions: the shares counter grows by exactly the free share cap', async () => {
      const id = await seedExpose(t.container.store);
      const statuses = new Map<number, number>();
      await inParallel(500, 25, async (n) => {
        const res = await send('/api/expose/share', id, '198.51.100.28', n, { channel: 'link' });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      });
      expect(Object.fromEntries(statuses)).toEqual({ 200: FREE_SHARES, 428: 500 - FREE_SHARES });
      expect((await t.container.store.findExpose(id))!.shares).toBe(FREE_SHARES);
    }, 120_000);

    it('other addresses are not held back by one address’s cap', async () => {
      const id = await seedExpose(t.container.store);
      for (let n = 0; n < FREE_VOTES + 5; n++) await send('/api/expose/vote', id, '198.51.100.25', n, { voteType: 'upvote' });
      const res = await send('/api/expose/vote', id, '198.51.100.26', 0, { voteType: 'upvote' });
      expect(res.json().metrics.netVotes).toBe(FREE_VOTES + 1);
    });

    it('over the hard cap: the vote is kept uncounted; taking it back moves nothing, a counted one is taken back', async () => {
      // hard cap = free cap: beyond it no proof of work helps, so none is asked for
      const capped = await createTestApp(t.container.store, {
        env: { RATE_LIMITS: '0', FREE_VOTES_PER_IP: '3', MAX_VOTES_PER_IP: '3' },
        overrides: { maintenance: false },
      });
      try {
        const id = await seedExpose(t.container.store);
        const as = (i: number, voteType: string, cookie?: string) =>
          capped.app.inject({
            method: 'POST',
            url: '/api/expose/vote',
            remoteAddress: '198.51.100.27',
            headers: { ...JSON_HEADERS, 'user-agent': ua(i), ...(cookie && { cookie }) },
            payload: JSON.stringify({ exposeId: id, voteType }),
          });
        const cookies: string[] = [];
        for (let n = 0; n < 4; n++) {
          const res = await as(n, 'upvote');
          expect(res.statusCode).toBe(200);
          expect(res.json().myVote).toBe('upvote');
          cookies.push(String(res.headers['set-cookie']).split(';')[0]!);
        }
        expect((await t.container.store.findExpose(id))!.upvotes).toBe(3);
        // the last voter's vote was not counted: taking it back changes nothing public
        expect((await as(3, 'none', cookies[3])).json()).toMatchObject({ myVote: null, metrics: { upvotes: 3 } });
        // a counted voter switching to a downvote keeps one counted vote, now down
        expect((await as(0, 'downvote', cookies[0])).json()).toMatchObject({ myVote: 'downvote', metrics: { upvotes: 2, downvotes: 1 } });
        expect((await as(0, 'none', cookies[0])).json()).toMatchObject({ myVote: null, metrics: { upvotes: 2, downvotes: 0 } });
        await capped.container.audit.flush();
        expect(Object.fromEntries((await t.container.store.readAudit(id)).map((r) => [r.outcome, r.n]))).toEqual({
          counted: 5,
          over_ip_cap: 1,
          no_change: 1,
        });
      } finally {
        await capped.close();
      }
    });
  });
}

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';
import { signedInVisitor, visitor } from '../helpers/http';

const VOTE = '/api/expose/vote';

for (const database of testDatabases()) {
  describe(`POST /api/expose/vote on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    /** Counters must always equal the vote rows: the invariant every race below could break. */
    async function expectCountersMatchRows(id: string) {
      const [agg] = await databaseOf(t.container.store).rows<{ up: string | number; down: string | number }>(sql`
        select count(*) filter (where value = 1) as up, count(*) filter (where value = -1) as down
        from votes where expose_id = ${id}`);
      const m = await metricsOf(t.container.store, id);
      expect({ up: m.upvotes, down: m.downvotes }).toEqual({ up: Number(agg!.up), down: Number(agg!.down) });
    }

    it('moves the counters by the transition and reports the caller’s vote', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const steps: [string, { upvotes: number; downvotes: number; netVotes: number }, string | null, number][] = [
        ['upvote', { upvotes: 1, downvotes: 0, netVotes: 1 }, 'upvote', 1],
        ['upvote', { upvotes: 1, downvotes: 0, netVotes: 1 }, 'upvote', 1], // same state: no-op, no version bump
        ['downvote', { upvotes: 0, downvotes: 1, netVotes: -1 }, 'downvote', 2],
        ['none', { upvotes: 0, downvotes: 0, netVotes: 0 }, null, 3],
        ['none', { upvotes: 0, downvotes: 0, netVotes: 0 }, null, 3],
        ['downvote', { upvotes: 0, downvotes: 1, netVotes: -1 }, 'downvote', 4],
        ['upvote', { upvotes: 1, downvotes: 0, netVotes: 1 }, 'upvote', 5],
      ];
      for (const [voteType, counts, myVote, version] of steps) {
        const res = await v.post(VOTE, { exposeId: id, voteType });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          exposeId: id,
          version,
          metrics: { views: 0, comments: 0, shares: 0, ...counts },
          myVote,
        });
      }
      const page = await v.get(`/api/exposes/${id}`);
      expect(page.json()).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 1 } });
    });

    it('answers "none" from a session that never voted without any change', async () => {
      const id = await seedExpose(t.container.store);
      const res = await visitor(t.app).post(VOTE, { exposeId: id, voteType: 'none' });
      expect(res.json()).toMatchObject({ version: 0, myVote: null, metrics: { upvotes: 0, downvotes: 0 } });
      expect((await metricsOf(t.container.store, id)).version).toBe(0);
    });

    it('counts one vote when one session hammers upvote concurrently', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const replies = await Promise.all(Array.from({ length: 50 }, () => v.post(VOTE, { exposeId: id, voteType: 'upvote' })));
      expect(replies.every((r) => r.statusCode === 200 && r.json().myVote === 'upvote')).toBe(true);
      expect(await metricsOf(t.container.store, id)).toMatchObject({ upvotes: 1, downvotes: 0, version: 1 });
      await expectCountersMatchRows(id);
    });

    it('keeps exact totals when 100 sessions vote at once and then all switch', async () => {
      const id = await seedExpose(t.container.store);
      // 100 people, each from their own address (one address's votes stop at FREE_VOTES_PER_IP).
      const voters = await Promise.all(Array.from({ length: 100 }, (_, i) => signedInVisitor(t.app, { remoteAddress: `192.0.2.${i + 1}` })));
      const first = await Promise.all(voters.map((v) => v.post(VOTE, { exposeId: id, voteType: 'upvote' })));
      expect(first.every((r) => r.statusCode === 200)).toBe(true);
      // Concurrent votes share batches (one version bump per committed batch); the totals are exact.
      const afterUp = await metricsOf(t.container.store, id);
      expect(afterUp).toMatchObject({ upvotes: 100, downvotes: 0 });
      expect(afterUp.version).toBeGreaterThanOrEqual(1);

      const second = await Promise.all(voters.map((v) => v.post(VOTE, { exposeId: id, voteType: 'downvote' })));
      expect(second.every((r) => r.statusCode === 200 && r.json().myVote === 'downvote')).toBe(true);
      const afterSwitch = await metricsOf(t.container.store, id);
      expect(afterSwitch).toMatchObject({ upvotes: 0, downvotes: 100 });
      expect(afterSwitch.version).toBeGreaterThan(afterUp.version);
      // every reply's netVotes is consistent with its own up/down counts
      for (const r of [...first, ...second]) {
        const m = r.json().metrics;
        expect(m.netVotes).toBe(m.upvotes - m.downvotes);
      }
      await expectCountersMatchRows(id);
    });

    it('stays consistent under concurrent random transitions from a few sessions', async () => {
      const id = await seedExpose(t.container.store);
      const voters = await Promise.all(Array.from({ length: 5 }, () => signedInVisitor(t.app)));
      const types = ['upvote', 'downvote', 'none'] as const;
      const requests = Array.from({ length: 120 }, (_, i) =>
        voters[i % voters.length]!.post(VOTE, { exposeId: id, voteType: types[(i * 7 + (i >> 2)) % 3] }),
      );
      const replies = await Promise.all(requests);
      expect(replies.every((r) => r.statusCode === 200)).toBe(true);
      await expectCountersMatchRows(id);
      const versions = replies.map((r) => r.json().version as number);
      expect(Math.max(...versions)).toBe((await metricsOf(t.container.store, id)).version);
    });

    it('refuses votes on an expired expose with 410 and writes no vote row', async () => {
      const id = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      const res = await visitor(t.app).post(VOTE, { exposeId: id, voteType: 'upvote' });
      expect(res.statusCode).toBe(410);
      expect(res.json().error.code).toBe('expired');
      const rows = await databaseOf(t.container.store).rows(sql`select 1 from votes where expose_id = ${id}`);
      expect(rows).toHaveLength(0);
      expect(await metricsOf(t.container.store, id)).toMatchObject({ upvotes: 0, version: 0 });
    });

    const cases: [string, unknown, number, string][] = [
      ['unknown expose', { exposeId: 'no-such-expose', voteType: 'upvote' }, 404, 'not_found'],
      ['missing voteType', { exposeId: 'x' }, 400, 'invalid_input'],
      ['bad voteType', { exposeId: 'x', voteType: 'up' }, 400, 'invalid_input'],
      ['voteType null', { exposeId: 'x', voteType: null }, 400, 'invalid_input'],
      ['missing exposeId', { voteType: 'upvote' }, 400, 'invalid_input'],
      ['exposeId with a space', { exposeId: 'a b', voteType: 'upvote' }, 400, 'invalid_input'],
      ['exposeId too long', { exposeId: 'a'.repeat(65), voteType: 'upvote' }, 400, 'invalid_input'],
      ['exposeId a number', { exposeId: 5, voteType: 'upvote' }, 400, 'invalid_input'],
      ['unknown field', { exposeId: 'x', voteType: 'upvote', weight: 10 }, 400, 'invalid_input'],
      ['an array', [{ exposeId: 'x', voteType: 'upvote' }], 400, 'invalid_input'],
      ['unparsable JSON', '{"exposeId":', 400, 'invalid_json'],
    ];
    it.each(cases)('answers %s with the error body', async (_name, payload, status, code) => {
      const res = await visitor(t.app).post(VOTE, payload);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });

    it('names the failing field', async () => {
      const res = await visitor(t.app).post(VOTE, { exposeId: 'x', voteType: 'sideways' });
      expect(res.json().error.message).toMatch(/voteType/);
    });
  });
}

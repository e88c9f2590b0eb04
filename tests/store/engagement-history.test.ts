import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommentBatch } from '@/lib/server/domain/comments';
import { runMaintenance } from '@/lib/server/domain/maintenance';
import { applyShareBatch } from '@/lib/server/domain/record-share';
import { applyViewBatch } from '@/lib/server/domain/record-view';
import { applyVoteBatch } from '@/lib/server/domain/record-vote';
import type { Store } from '@/lib/server/store/port';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

// 10:00:58 - 10:01:03 UTC: the traffic crosses a minute boundary.
const T0 = new Date('2031-03-01T10:00:58.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;
const HOUR = 3_600_000;

for (const database of testDatabases()) {
  describe(`engagement history on ${database.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await database.cleanup();
    });

    const views = (now: Date, exposeId: string, hashes: string[]) =>
      applyViewBatch(
        { store, now: () => now },
        hashes.map((h) => ({ exposeId, sessionId: `s-${h}`, viewerHash: h, previousHash: null })),
        now,
      );
    const vote = (now: Date, exposeId: string, sessionId: string, value: -1 | 0 | 1) =>
      applyVoteBatch({ store, now: () => now }, exposeId, [{ sessionId, value }]);
    const minuteRows = async (id: string) =>
      (await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 60, exposeId: id })).map((p) => ({
        at: p.at.toISOString(),
        views: p.views,
        upvotes: p.upvotes,
        downvotes: p.downvotes,
        shares: p.shares,
        comments: p.comments,
      }));

    it('the counter writes add exactly what they counted to the expose’s minute, across a minute boundary', async () => {
      const a = await seedExpose(store);
      const b = await seedExpose(store);
      // 10:00: 3 views of a (one a duplicate), 2 of b in the same batch; an upvote, a share, a comment on a.
      await applyViewBatch(
        { store, now: () => at(0) },
        [
          { exposeId: a, sessionId: 's1', viewerHash: 'h1', previousHash: null },
          { exposeId: a, sessionId: 's2', viewerHash: 'h2', previousHash: null },
          { exposeId: a, sessionId: 's1', viewerHash: 'h1', previousHash: null },
          { exposeId: b, sessionId: 's1', viewerHash: 'h1', previousHash: null },
          { exposeId: b, sessionId: 's3', viewerHash: 'h3', previousHash: null },
        ],
        at(0),
      );
      await vote(at(500), a, 'v1', 1);
      await vote(at(600), a, 'v1', 1); // no change: nothing written
      await applyShareBatch(store, a, [{ sessionId: 'v1', channel: 'x' }], at(700));
      await applyCommentBatch(store, a, [{ id: `c-${a}`, sessionId: 'v1', body: 'hi', authorName: 'me' }], at(800));
      // 10:01: the upvote turns into a downvote, one more vote, one more view.
      await vote(at(2_500), a, 'v1', -1);
      await vote(at(3_000), a, 'v2', 1);
      await views(at(4_000), a, ['h4', 'h1']);

      expect(await minuteRows(a)).toEqual([
        { at: '2031-03-01T10:00:00.000Z', views: 2, upvotes: 1, downvotes: 0, shares: 1, comments: 1 },
        { at: '2031-03-01T10:01:00.000Z', views: 1, upvotes: 0, downvotes: 1, shares: 0, comments: 0 },
      ]);
      expect(await minuteRows(b)).toEqual([{ at: '2031-03-01T10:00:00.000Z', views: 2, upvotes: 0, downvotes: 0, shares: 0, comments: 0 }]);
      // The history sums to the counters.
      expect(await metricsOf(store, a)).toMatchObject({ views: 3, upvotes: 1, downvotes: 1, shares: 1, comments: 1 });
      // One row per expose and minute: one upsert per expose per batch, not a row per request.
      const rows = await databaseOf(store).rows<{ n: string | number }>(
        sql`select count(*) as n from engagement_minutes where expose_id in (${a}, ${b})`,
      );
      expect(Number(rows[0]!.n)).toBe(3);
    });

    it('a write that counts nothing (duplicate view, expired expose) leaves the history alone', async () => {
      const a = await seedExpose(store);
      const gone = await seedExpose(store, { expiresAt: at(-1) });
      await views(at(0), a, ['x1']);
      await views(at(1), a, ['x1']);
      await views(at(2), gone, ['x1']);
      await applyShareBatch(store, gone, [{ sessionId: 's', channel: 'x' }], at(3)).catch(() => undefined);
      expect(await minuteRows(a)).toEqual([{ at: '2031-03-01T10:00:00.000Z', views: 1, upvotes: 0, downvotes: 0, shares: 0, comments: 0 }]);
      expect(await minuteRows(gone)).toEqual([]);
    });

    it('series buckets sum minutes; maintenance rolls minutes older than 48 h into hours and drops hours after 90 days', async () => {
      const a = await seedExpose(store);
      // Traffic at 10:00:58 and 10:01:03 on day 0.
      await views(at(0), a, ['r1', 'r2']);
      await views(at(5_000), a, ['r3']);
      await vote(at(6_000), a, 'rv', 1);
      const fiveMin = await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 300, exposeId: a });
      expect(fiveMin.map((p) => [p.at.toISOString(), p.views, p.upvotes])).toEqual([['2031-03-01T10:00:00.000Z', 3, 1]]);

      // 47 h later nothing moves; 49 h later both minutes become one hour row with the same sums.
      const early = await runMaintenance({ store, now: () => at(47 * HOUR) });
      expect(await minuteRows(a)).toHaveLength(2);
      expect(early).toMatchObject({ engagementMinutes: 0 });
      const rolled = await runMaintenance({ store, now: () => at(49 * HOUR) });
      expect(rolled.engagementMinutes).toBeGreaterThanOrEqual(2);
      const db = databaseOf(store);
      const minutesLeft = await db.rows<{ n: string | number }>(sql`select count(*) as n from engagement_minutes where expose_id = ${a}`);
      expect(Number(minutesLeft[0]!.n)).toBe(0);
      const hours = await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 3600, exposeId: a });
      expect(hours.map((p) => [p.at.toISOString(), p.views, p.upvotes])).toEqual([['2031-03-01T10:00:00.000Z', 3, 1]]);
      // A later write into an already rolled-up hour (a late batch) is added, not lost.
      await db.rows(sql`insert into engagement_minutes (expose_id, minute, views) values (${a}, '2031-03-01T10:30:00Z', 4)`);
      await runMaintenance({ store, now: () => at(49 * HOUR + MIN) });
      const again = await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 3600, exposeId: a });
      expect(again.map((p) => p.views)).toEqual([7]);

      // Hour rows live 90 days.
      await runMaintenance({ store, now: () => at(89 * 24 * HOUR) });
      expect(await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 3600, exposeId: a })).toHaveLength(1);
      await runMaintenance({ store, now: () => at(90 * 24 * HOUR + 2 * HOUR) });
      expect(await store.engagementSeries({ from: at(-HOUR), to: at(HOUR), bucketSec: 3600, exposeId: a })).toEqual([]);
    });

    it('client statistics and dropped writes roll up the same way', async () => {
      const base = { operations: 2, acknowledged: 1, rolledBack: 1, dropped: 0, attempts: 4, retries: 2, timeouts: 1, exhausted: 1, errors: 0 };
      await store.addClientStats([
        { ...base, at: at(0), kind: 'vote', latency: [1, 0, 0, 0, 0, 0, 0, 0] },
        { ...base, at: at(1_000), kind: 'vote', latency: [0, 1, 0, 0, 0, 0, 0, 0] },
        { ...base, at: at(5_000), kind: 'vote', latency: [0, 0, 1, 0, 0, 0, 0, 0] },
      ]);
      const a = await seedExpose(store);
      await store.addDrops([
        { exposeId: a, minute: new Date('2031-03-01T10:00:00Z'), kind: 'view', outcome: 'duplicate_view', n: 2 },
        { exposeId: a, minute: new Date('2031-03-01T10:01:00Z'), kind: 'view', outcome: 'duplicate_view', n: 1 },
      ]);
      const perMinute = await store.clientStats({ from: at(-HOUR), to: at(HOUR), bucketSec: 60 });
      expect(perMinute.map((r) => [r.at.toISOString(), r.kind, r.operations, r.retries, r.latency.slice(0, 3)])).toEqual([
        ['2031-03-01T10:00:00.000Z', 'vote', 4, 4, [1, 1, 0]],
        ['2031-03-01T10:01:00.000Z', 'vote', 2, 2, [0, 0, 1]],
      ]);
      await runMaintenance({ store, now: () => at(49 * HOUR) });
      const perHour = await store.clientStats({ from: at(-HOUR), to: at(HOUR), bucketSec: 3600 });
      expect(perHour.map((r) => [r.kind, r.operations, r.acknowledged, r.rolledBack, r.timeouts, r.exhausted, r.latency.slice(0, 3)])).toEqual([
        ['vote', 6, 3, 3, 3, 3, [1, 1, 1]],
      ]);
      expect(await store.dropSeries({ from: at(-HOUR), exposeId: a })).toEqual([{ kind: 'view', outcome: 'duplicate_view', n: 3 }]);
    });
  });
}

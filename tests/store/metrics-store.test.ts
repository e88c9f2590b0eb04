import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyVoteBatch, applyVoteBatchAcross } from '@/lib/server/domain/record-vote';
import { DomainError } from '@/lib/server/domain/errors';
import type { Store } from '@/lib/server/store/port';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

const T0 = new Date('2031-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;

for (const database of testDatabases()) {
  describe(`metrics store on ${database.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await database.cleanup();
    });

    const view = (sessionId: string, viewerHash: string, previousHash: string | null = null, day?: string) => ({ sessionId, viewerHash, previousHash, day });

    it('applyViews counts each new hash once per batch, with one counter update and one version bump', async () => {
      const id = await seedExpose(store);
      const r = await store.applyViews(id, [view('s1', 'h1'), view('s2', 'h2'), view('s1', 'h1'), view('s3', 'h3')], {
        now: T0,
        until: at(DAY),
      });
      expect(r!.counted).toEqual([true, true, false, true]);
      expect(r!.counters).toMatchObject({ views: 3, version: 1 });
      const again = await store.applyViews(id, [view('s1', 'h1'), view('s4', 'h4')], { now: at(1000), until: at(DAY + 1000) });
      expect(again!.counted).toEqual([false, true]);
      expect(await metricsOf(store, id)).toMatchObject({ views: 4, version: 2 });
    });

    it('applyViews treats a live row under the previous hash as seen, an expired one as not, and revives expired rows', async () => {
      const id = await seedExpose(store);
      // Hashes are filed under their salt's day: 'yesterday' under T0's, 'today' under the next.
      await store.applyViews(id, [view('s', 'yesterday', null, '2031-01-01')], { now: T0, until: at(DAY) });
      const next = await store.applyViews(id, [view('s', 'today', 'yesterday', '2031-01-02')], { now: at(DAY - 1), until: at(2 * DAY) });
      expect(next!.counted).toEqual([false]);
      const later = await store.applyViews(id, [view('s', 'today', 'yesterday', '2031-01-02')], { now: at(DAY), until: at(2 * DAY) });
      expect(later!.counted).toEqual([true]);
      // the same hash after its row expired (maintenance has not run yet) counts again
      const revived = await store.applyViews(id, [view('s', 'yesterday', null, '2031-01-01')], { now: at(DAY + 5), until: at(2 * DAY + 5) });
      expect(revived!.counted).toEqual([true]);
      expect(await metricsOf(store, id)).toMatchObject({ views: 3 });
    });

    it('writes report a missing expose as null and an expired one as closed, writing nothing', async () => {
      const expired = await seedExpose(store, { expiresAt: T0 });
      expect(await store.applyViews('missing', [view('s', 'h')], { now: T0, until: at(DAY) })).toBeNull();
      expect(await store.applyShares('missing', [{ sessionId: 's', channel: 'x' }], { now: T0 })).toBeNull();
      const closed = await store.applyViews(expired, [view('s', 'h')], { now: T0, until: at(DAY) });
      expect(closed).toMatchObject({ open: false, counted: [false] });
      expect((await store.applyShares(expired, [{ sessionId: 's', channel: 'x' }], { now: T0 }))!.open).toBe(false);
      expect((await store.insertComments(expired, [{ id: 'c1', sessionId: 's', body: 'b', authorName: 'a' }], { now: T0 }))!.open).toBe(false);
      const counts = await databaseOf(store).rows<{ n: string | number }>(sql`
        select (select count(*) from view_dedup where expose_id = ${expired})
             + (select count(*) from shares where expose_id = ${expired})
             + (select count(*) from comments where expose_id = ${expired}) as n`);
      expect(Number(counts[0]!.n)).toBe(0);
      expect(await metricsOf(store, expired)).toMatchObject({ views: 0, shares: 0, comments: 0, version: 0 });
    });

    it('applyViewsAcross counts views of several exposes in one statement: per expose one bump, per op its outcome', async () => {
      const a = await seedExpose(store);
      const b = await seedExpose(store);
      const closed = await seedExpose(store, { expiresAt: T0 });
      await applyVoteBatch({ store, now: () => T0 }, b, [{ sessionId: 'voter', value: 1 }]);
      const before = await metricsOf(store, b);
      const ops = [
        { exposeId: a, sessionId: 's1', viewerHash: 'h1', previousHash: null },
        { exposeId: b, sessionId: 'voter', viewerHash: 'h1', previousHash: null }, // same viewer, other expose: counts
        { exposeId: a, sessionId: 's2', viewerHash: 'h2', previousHash: null },
        { exposeId: a, sessionId: 's1', viewerHash: 'h1', previousHash: null }, // repeat in the batch: once
        { exposeId: 'missing', sessionId: 's1', viewerHash: 'h1', previousHash: null },
        { exposeId: closed, sessionId: 's1', viewerHash: 'h1', previousHash: null },
      ];
      const r = await store.applyViewsAcross(ops, { now: T0, until: at(DAY) });
      expect(r.counted).toEqual([true, true, true, false, false, false]);
      expect([...r.exposes.keys()].sort()).toEqual([a, b, closed].sort());
      expect(r.exposes.get(a)).toMatchObject({ open: true, counters: { views: 2, version: 1 } });
      expect(r.exposes.get(b)).toMatchObject({ open: true, counters: { views: 1, version: before.version + 1 } });
      expect(r.exposes.get(b)!.votes.get('voter')).toBe(1);
      expect(r.exposes.get(closed)).toMatchObject({ open: false, counters: { views: 0, version: 0 } });
      expect(await metricsOf(store, a)).toMatchObject({ views: 2, version: 1 });
      expect(await metricsOf(store, closed)).toMatchObject({ views: 0, version: 0 });
      // Nothing new: no bump anywhere.
      const again = await store.applyViewsAcross(ops.slice(0, 3), { now: at(1000), until: at(DAY + 1000) });
      expect(again.counted).toEqual([false, false, false]);
      expect(again.exposes.get(a)!.counters.version).toBe(1);
    });

    it('a vote batch applies only each session’s net change, in one transaction and one version bump', async () => {
      const id = await seedExpose(store);
      const deps = { store, now: () => T0 };
      const replies = await applyVoteBatch(deps, id, [
        { sessionId: 'a', value: 1 },
        { sessionId: 'b', value: -1 },
        { sessionId: 'a', value: 0 },
        { sessionId: 'c', value: 1 },
      ]);
      expect(replies.map((r) => r.myVote)).toEqual([null, 'downvote', null, 'upvote']);
      expect(replies[0]!.metrics).toMatchObject({ upvotes: 1, downvotes: 1, netVotes: 0 });
      expect(await metricsOf(store, id)).toMatchObject({ upvotes: 1, downvotes: 1, version: 1 });
      const same = await applyVoteBatch(deps, id, [{ sessionId: 'b', value: -1 }]);
      expect(same[0]!.version).toBe(1);
    });

    it('a vote batch spanning exposes: one transaction, per expose one bump, a missing or closed expose fails only its own ops', async () => {
      const a = await seedExpose(store);
      const b = await seedExpose(store);
      const closed = await seedExpose(store, { expiresAt: T0 });
      let transactions = 0;
      const counting = { ...store, transaction: <T>(work: Parameters<Store['transaction']>[0]) => (transactions++, store.transaction(work as never) as Promise<T>) };
      const outcomes = await applyVoteBatchAcross({ store: counting, now: () => T0 }, [
        { exposeId: b, sessionId: 's1', value: 1 },
        { exposeId: a, sessionId: 's1', value: -1 },
        { exposeId: 'missing', sessionId: 's1', value: 1 },
        { exposeId: a, sessionId: 's2', value: 1 },
        { exposeId: closed, sessionId: 's1', value: 1 },
        { exposeId: b, sessionId: 's1', value: 0 }, // the same session takes its vote back in the batch
        { exposeId: b, sessionId: 's3', value: 1 },
      ]);
      expect(transactions).toBe(1);
      const codes = outcomes.map((o) => (o instanceof DomainError ? o.code : o.snapshot.myVote));
      expect(codes).toEqual([null, 'downvote', 'not_found', 'upvote', 'expired', null, 'upvote']);
      expect(await metricsOf(store, a)).toMatchObject({ upvotes: 1, downvotes: 1, version: 1 });
      expect(await metricsOf(store, b)).toMatchObject({ upvotes: 1, downvotes: 0, version: 1 });
      expect(await metricsOf(store, closed)).toMatchObject({ upvotes: 0, version: 0 });
      const voteRows = await databaseOf(store).rows<{ n: string }>(sql`select count(*) as n from votes where expose_id = ${closed}`);
      expect(Number(voteRows[0]!.n)).toBe(0);
      // Nothing changes: no bump.
      const again = await applyVoteBatchAcross({ store, now: () => T0 }, [{ exposeId: a, sessionId: 's2', value: 1 }]);
      expect(again[0]).toMatchObject({ changed: false, snapshot: { version: 1 } });
    });

    it('a vote batch spanning exposes goes through the gate per expose: free, paid, replayed, over the cap, challenge required and put back', async () => {
      const a = await seedExpose(store);
      const b = await seedExpose(store);
      const caps = { freeVotes: 1, maxVotes: 2, views: 100, freeShares: 1, maxShares: 2 };
      const solution = { id: `sol_${a}`, expiresAt: at(60_000) };
      const ip = 'ip1';
      // With a solution in the batch: claims, then the free and the paid grant of both exposes.
      const first = await applyVoteBatchAcross({ store, now: () => T0, caps }, [
        { exposeId: a, sessionId: 's1', value: 1, ipKey: ip },
        { exposeId: a, sessionId: 's2', value: 1, ipKey: ip }, // no free vote left, and s3's paid one fills the hard cap
        { exposeId: a, sessionId: 's3', value: 1, ipKey: ip, solution },
        { exposeId: b, sessionId: 's1', value: -1, ipKey: ip },
        { exposeId: b, sessionId: 's4', value: 1, ipKey: ip, solution }, // the same solution again: used by s3
      ]);
      const summary = (o: (typeof first)[number]) => (o instanceof DomainError ? o.code : o.refused ?? (o.overIpCap ? 'over_ip_cap' : o.snapshot.myVote));
      expect(first.map(summary)).toEqual(['upvote', 'over_ip_cap', 'upvote', 'downvote', 'challenge_failed']);
      expect(await metricsOf(store, a)).toMatchObject({ upvotes: 2, downvotes: 0, version: 1 });
      expect(await metricsOf(store, b)).toMatchObject({ upvotes: 0, downvotes: 1, version: 1 });
      const counts = async () =>
        (await databaseOf(store).rows<{ expose_id: string; votes: number }>(sql`select expose_id, votes from ip_expose_counts where ip_key = ${ip} and expose_id in (${a}, ${b}) order by expose_id`)).map((r): [string, number] => [r.expose_id, Number(r.votes)]);
      expect(new Map(await counts())).toEqual(new Map([[a, 2], [b, 1]]));
      // Without solutions (the folded grant): a is at its hard cap (kept, not counted), b has room (refused, put back).
      const second = await applyVoteBatchAcross({ store, now: () => T0, caps }, [
        { exposeId: b, sessionId: 's5', value: 1, ipKey: ip },
        { exposeId: a, sessionId: 's5', value: 1, ipKey: ip },
      ]);
      expect(second.map(summary)).toEqual(['challenge_required', 'over_ip_cap']);
      expect(await metricsOf(store, a)).toMatchObject({ upvotes: 2, downvotes: 0 });
      expect(await metricsOf(store, b)).toMatchObject({ upvotes: 0, downvotes: 1 });
      const rows = await databaseOf(store).rows<{ expose_id: string; value: number; counted: boolean }>(
        sql`select expose_id, value, counted from votes where session_id = 's5' and expose_id in (${a}, ${b})`,
      );
      expect(new Map(rows.map((r) => [r.expose_id, [Number(r.value), r.counted]]))).toEqual(new Map([[a, [1, false]], [b, [0, true]]]));
      expect(new Map(await counts())).toEqual(new Map([[a, 2], [b, 1]]));
    });

    it('a second transaction on the same session’s vote waits for the first to commit', async () => {
      const id = await seedExpose(store);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let firstLocked!: () => void;
      const locked = new Promise<void>((r) => (firstLocked = r));
      const first = store.transaction(async (tx) => {
        const l = await tx.lockVotes([{ exposeId: id, sessionId: 's' }], { now: T0 });
        expect(l.get(id)!.current.get('s')).toBe(0);
        firstLocked();
        await gate;
        return tx.writeVotes([{ exposeId: id, changes: [{ sessionId: 's', value: 1, counted: true }], delta: { upvotes: 1, downvotes: 0 } }], { now: T0 });
      });
      await locked;
      let secondSaw: number | undefined;
      const second = store.transaction(async (tx) => {
        secondSaw = (await tx.lockVotes([{ exposeId: id, sessionId: 's' }], { now: T0 })).get(id)!.current.get('s');
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(secondSaw).toBeUndefined(); // still blocked behind the first transaction
      release();
      await Promise.all([first, second]);
      expect(secondSaw).toBe(1); // and then sees the committed value, not the stale 0
    });

    it('ensureSalt gives every concurrent caller the same salt for a day', async () => {
      const salts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.ensureSalt('2031-01-01', `candidate-${i}`, { now: T0 })),
      );
      expect(new Set(salts).size).toBe(1);
      expect(await store.findSalt('2031-01-01')).toBe(salts[0]);
      expect(await store.findSalt('2030-12-31')).toBeNull();
    });

    it('claimIdempotencyKey in a transaction: claimed, rolled back with it, done once committed', async () => {
      const ref = { sessionId: 's', scope: 'share', key: 'k' };
      const opts = { now: T0, waitMs: 1_500 };
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.claimIdempotencyKey(ref, 'fp', opts)).toEqual({ state: 'claimed' });
          throw new Error('the effect failed');
        }),
      ).rejects.toThrow('the effect failed');
      // the failed request's claim went with its transaction
      await store.transaction(async (tx) => {
        expect(await tx.claimIdempotencyKey(ref, 'fp', opts)).toEqual({ state: 'claimed' });
        await tx.completeIdempotencyKey(ref, { statusCode: 201, response: { a: [1, 'b'] } });
      });
      expect(await store.transaction((tx) => tx.claimIdempotencyKey(ref, 'fp2', opts))).toEqual({
        state: 'done',
        fingerprint: 'fp',
        statusCode: 201,
        response: { a: [1, 'b'] },
      });
    });

    it('deleteExpired removes expired rows in chunks and keeps live ones', async () => {
      const id = await seedExpose(store);
      const db = databaseOf(store);
      await db.rows(sql`
        insert into view_dedup (expose_id, viewer_hash, expires_at, day)
        select ${id}, 'old-' || g, ${T0.toISOString()}::timestamptz, '2030-12-31' from generate_series(1, 12000) g`);
      await db.rows(sql`insert into view_dedup (expose_id, viewer_hash, expires_at, day) values (${id}, 'live', ${at(1).toISOString()}::timestamptz, '2030-12-31')`);
      await db.rows(sql`
        insert into idempotency_keys (session_id, scope, key, fingerprint, created_at, day) values
          ('s', 'x', 'old', 'f', ${at(-DAY - 1).toISOString()}::timestamptz, '2030-12-30'),
          ('s', 'x', 'new', 'f', ${at(-DAY + 1000).toISOString()}::timestamptz, '2030-12-31')`);
      await store.ensureSalt('2030-12-30', 'old', { now: at(-2 * DAY) });
      await store.ensureSalt('2030-12-31', 'yesterday', { now: at(-DAY) });
      // per-IP counts under a deleted salt can no longer be matched to anyone: they go with it
      await db.rows(sql`insert into ip_expose_counts (expose_id, ip_key, day, votes) values
        (${id}, 'k', '2030-12-30', 1), (${id}, 'k', '2030-12-31', 2)`);
      const removed = await store.deleteExpired({ dedupBefore: T0, saltsBeforeDay: '2030-12-31', idempotencyBefore: at(-DAY) });
      expect(removed.viewDedup).toBeGreaterThanOrEqual(12_000);
      expect(removed.idempotencyKeys).toBeGreaterThanOrEqual(1);
      expect(removed.viewSalts).toBeGreaterThanOrEqual(1);
      expect(await db.rows(sql`select 1 from view_dedup where expires_at <= ${T0.toISOString()}::timestamptz`)).toHaveLength(0);
      expect(await db.rows(sql`select 1 from view_dedup where viewer_hash = 'live'`)).toHaveLength(1);
      expect(await db.rows(sql`select key from idempotency_keys where session_id = 's' and scope = 'x'`)).toEqual([{ key: 'new' }]);
      expect(await store.findSalt('2030-12-30')).toBeNull();
      expect(await store.findSalt('2030-12-31')).toBe('yesterday');
      expect(removed.ipCounts).toBe(1);
      expect(await db.rows(sql`select day from ip_expose_counts where expose_id = ${id}`)).toEqual([{ day: '2030-12-31' }]);
    });

    it('findMetrics returns counters and the caller’s vote for known ids only', async () => {
      const id = await seedExpose(store);
      await applyVoteBatch({ store, now: () => T0 }, id, [{ sessionId: 'me', value: -1 }]);
      const rows = await store.findMetrics([id, 'missing'], 'me');
      expect(rows).toEqual([{ id, views: 0, comments: 0, upvotes: 0, downvotes: 1, shares: 0, version: 1, vote: -1 }]);
      expect((await store.findMetrics([id], undefined))[0]!.vote).toBeNull();
      expect(await store.findMetrics([], 'me')).toEqual([]);
    });

    it('creates exposes at whole milliseconds, so feed cursors never skip one', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => seedExpose(store)));
      const sub = await databaseOf(store).rows(
        sql`select id from exposes where created_at <> date_trunc('milliseconds', created_at)`,
      );
      expect(sub).toEqual([]);
      const seen = new Set<string>();
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await store.listFeed({ now: new Date(), limit: 3, after });
        if (page.length === 0) break;
        for (const r of page) seen.add(r.id);
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      for (const id of ids) expect(seen).toContain(id);
    });
  });
}

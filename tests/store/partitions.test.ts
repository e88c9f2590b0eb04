import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@/lib/server/store/port';
import { runMaintenance } from '@/lib/server/domain/maintenance';
import { databaseOf, testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const DAY = 86_400_000;
/** Far from the real clock, so the partitions the migration made around today play no part. */
const D = '2031-03-10';
const at = (day: string, ms = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + ms);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const plusDays = (day: string, n: number) => dayOf(at(day, n * DAY));

/**
 * Issue 16, "Tables that stay small": on PostgreSQL view de-dup rows and idempotency keys live in
 * day partitions that maintenance creates ahead and drops once all their rows expired; PGlite keeps
 * plain tables (same columns and keys, expired rows deleted row by row).
 */
for (const database of testDatabases()) {
  describe(`day partitions on ${database.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await database.cleanup();
    });

    const kinds = async () =>
      Object.fromEntries(
        (
          await databaseOf(store).rows<{ relname: string; relkind: string }>(
            sql`select relname, relkind from pg_class where relname in ('view_dedup', 'idempotency_keys') order by relname`,
          )
        ).map((r) => [r.relname, r.relkind]),
      );
    const partitions = async (table: string) =>
      (
        await databaseOf(store).rows<{ relname: string }>(
          sql`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ${table}::regclass order by c.relname`,
        )
      ).map((r) => r.relname);
    const count = async (query: ReturnType<typeof sql>) => Number((await databaseOf(store).rows<{ n: string }>(query))[0]!.n);

    it(database.name === 'postgres' ? 'partitions both tables by day, with a DEFAULT partition' : 'keeps plain tables', async () => {
      const expected = database.name === 'postgres' ? 'p' : 'r';
      expect(await kinds()).toEqual({ idempotency_keys: expected, view_dedup: expected });
      if (database.name === 'postgres') {
        expect(await partitions('view_dedup')).toContain('view_dedup_default');
        expect(await partitions('idempotency_keys')).toContain(`idempotency_keys_p${dayOf(new Date()).replaceAll('-', '')}`);
      }
    });

    it('maintenance creates the coming days and drops the expired ones whole; live rows stay', async () => {
      const id = await seedExpose(store);
      const db = databaseOf(store);
      // Maintenance on day D-2 prepares D-2 .. D.
      await store.deleteExpired({ dedupBefore: at(plusDays(D, -2)), saltsBeforeDay: plusDays(D, -3), idempotencyBefore: at(plusDays(D, -3)) });
      if (database.name === 'postgres') {
        expect(await partitions('view_dedup')).toEqual(expect.arrayContaining(['view_dedup_p20310308', 'view_dedup_p20310309', 'view_dedup_p20310310']));
      }
      // A view on each of D-2, D-1 and D (a row lives 24 h), and a key created on each day.
      for (const [n, day] of [plusDays(D, -2), plusDays(D, -1), D].entries()) {
        await store.applyViews(id, [{ sessionId: 's', viewerHash: `h${n}`, previousHash: null, day }], { now: at(day, 3_600_000), until: at(day, DAY + 3_600_000) });
        await store.transaction(async (tx) => {
          expect(await tx.claimIdempotencyKey({ sessionId: 's', scope: 'share', key: `k${n}` }, 'f', { now: at(day, 3_600_000), waitMs: 500 })).toEqual({ state: 'claimed' });
          await tx.completeIdempotencyKey({ sessionId: 's', scope: 'share', key: `k${n}` }, { statusCode: 200, response: { n } });
        });
      }
      if (database.name === 'postgres') {
        expect(await count(sql`select count(*) as n from view_dedup_p20310308`)).toBe(1);
        expect(await count(sql`select count(*) as n from view_dedup_default`)).toBe(0);
      }
      // Day D at noon: D-2's hashes are no one's today's or yesterday's; its keys are over 24 h old.
      const now = at(D, 12 * 3_600_000);
      const removed = await store.deleteExpired({ dedupBefore: now, saltsBeforeDay: plusDays(D, -1), idempotencyBefore: new Date(now.getTime() - DAY) });
      if (database.name === 'postgres') {
        const dedup = await partitions('view_dedup');
        expect(dedup).not.toContain('view_dedup_p20310308');
        expect(dedup).toEqual(expect.arrayContaining(['view_dedup_p20310309', 'view_dedup_p20310310', 'view_dedup_p20310311', 'view_dedup_p20310312']));
        const keys = await partitions('idempotency_keys');
        expect(keys).not.toContain('idempotency_keys_p20310308');
        expect(keys).toEqual(expect.arrayContaining(['idempotency_keys_p20310309', 'idempotency_keys_p20310310', 'idempotency_keys_p20310312']));
      }
      // D-2's row and key are gone (dropped, or deleted row by row on PGlite); the rest stay.
      expect((await db.rows<{ viewer_hash: string }>(sql`select viewer_hash from view_dedup where expose_id = ${id} order by viewer_hash`)).map((r) => r.viewer_hash)).toEqual(
        database.name === 'postgres' ? ['h1', 'h2'] : ['h2'], // PGlite deletes by expiry: h1 (D-1, 01:00 + 24 h) has expired too
      );
      expect((await db.rows<{ key: string }>(sql`select key from idempotency_keys where session_id = 's' order by key`)).map((r) => r.key)).toEqual(
        database.name === 'postgres' ? ['k1', 'k2'] : ['k2'], // PGlite: k1 (D-1 01:00) is over 24 h old too
      );
      if (database.name === 'pglite') expect(removed).toMatchObject({ viewDedup: 2, idempotencyKeys: 2 });
    });

    it('analytics minute rows: a whole day older than 48 h is summed into hour rows and dropped (PostgreSQL) or deleted (PGlite); sums unchanged', async () => {
      const E = '2031-05-20';
      const HOUR = 3_600_000;
      const tables = ['engagement_minutes', 'engagement_drop_minutes', 'client_minutes'];
      const id = await seedExpose(store);
      const db = databaseOf(store);
      // Maintenance on E-3 prepares the days E-3 .. E-1 of every minute table.
      await runMaintenance({ store, now: () => at(plusDays(E, -3), 60_000) });
      if (database.name === 'postgres') {
        const kinds = await db.rows<{ relname: string; relkind: string }>(sql`select relname, relkind from pg_class where relname in ('engagement_minutes', 'engagement_drop_minutes', 'client_minutes') order by relname`);
        expect(kinds.map((k) => k.relkind)).toEqual(['p', 'p', 'p']);
        for (const t of tables) expect(await partitions(t)).toEqual(expect.arrayContaining([`${t}_p20310517`, `${t}_p20310518`, `${t}_p20310519`, `${t}_default`]));
      }
      // E-3: two minutes of one hour and one of another; E-2 at 23:59.
      const minute = (day: string, ms: number) => at(day, ms).toISOString();
      for (const [m, views] of [[minute(plusDays(E, -3), 10 * HOUR), 2], [minute(plusDays(E, -3), 10 * HOUR + 60_000), 3], [minute(plusDays(E, -3), 15 * HOUR), 5], [minute(plusDays(E, -2), 24 * HOUR - 60_000), 7]] as const) {
        await db.rows(sql`insert into engagement_minutes (expose_id, minute, views, upvotes) values (${id}, ${m}::timestamptz, ${views}, 1)`);
      }
      await store.addDrops([{ exposeId: id, minute: at(plusDays(E, -3), 10 * HOUR), kind: 'view', outcome: 'duplicate_view', n: 4 }]);
      const client = { operations: 2, acknowledged: 2, rolledBack: 0, dropped: 0, attempts: 2, retries: 0, timeouts: 0, exhausted: 0, errors: 0 };
      await store.addClientStats([{ ...client, at: at(plusDays(E, -3), 10 * HOUR), kind: 'vote', latency: [2, 0, 0, 0, 0, 0, 0, 0] }]);
      if (database.name === 'postgres') {
        expect(await count(sql`select count(*) as n from engagement_minutes_p20310517`)).toBe(3);
        expect(await count(sql`select count(*) as n from engagement_minutes_default`)).toBe(0);
      }
      const range = { from: at(plusDays(E, -4)), to: at(E) };
      const series = async () =>
        (await store.engagementSeries({ ...range, bucketSec: 3600, exposeId: id })).map((p) => [p.at.toISOString(), p.views, p.upvotes]);
      const expected = [
        [minute(plusDays(E, -3), 10 * HOUR), 5, 2],
        [minute(plusDays(E, -3), 15 * HOUR), 5, 1],
        [minute(plusDays(E, -2), 23 * HOUR), 7, 1],
      ];
      expect(await series()).toEqual(expected);

      // E-1 at 12:00: the 48 h cut-off (E-3 12:00) is inside E-3; the day is not wholly old yet.
      const partly = await runMaintenance({ store, now: () => at(plusDays(E, -1), 12 * HOUR) });
      if (database.name === 'postgres') {
        expect(partly.engagementMinutes).toBe(0); // no row deletes in a day partition
        expect(await partitions('engagement_minutes')).toContain('engagement_minutes_p20310517');
      }
      expect(await series()).toEqual(expected);

      // E at 00:01: all of E-3 is older than 48 h. Summed into hours and the partition dropped in one go.
      const rolled = await runMaintenance({ store, now: () => at(E, 60_000) });
      expect(rolled.engagementMinutes).toBeGreaterThanOrEqual(database.name === 'postgres' ? 3 : 1);
      if (database.name === 'postgres') {
        for (const t of tables) {
          const left = await partitions(t);
          expect(left).not.toContain(`${t}_p20310517`);
          expect(left).toEqual(expect.arrayContaining([`${t}_p20310518`, `${t}_p20310520`, `${t}_p20310522`]));
        }
        expect(await count(sql`select count(*) as n from engagement_minutes_p20310518`)).toBe(1); // E-2 stays in minutes
      }
      expect(await count(sql`select count(*) as n from engagement_hours where expose_id = ${id}`)).toBeGreaterThanOrEqual(2);
      expect(await series()).toEqual(expected);
      expect(await store.dropSeries({ from: range.from, exposeId: id })).toEqual([{ kind: 'view', outcome: 'duplicate_view', n: 4 }]);
      const stats = await store.clientStats({ ...range, bucketSec: 3600 });
      expect(stats.map((r) => [r.at.toISOString(), r.kind, r.operations, r.latency[0]])).toEqual([[minute(plusDays(E, -3), 10 * HOUR), 'vote', 2, 2]]);
    });

    it('a key used just before midnight is replayed, not claimed again, just after it', async () => {
      const ref = { sessionId: 'midnight', scope: 'share', key: 'k' };
      const before = at(D, -100);
      const after = at(D, 100);
      expect(dayOf(before)).not.toBe(dayOf(after));
      await store.transaction(async (tx) => {
        expect(await tx.claimIdempotencyKey(ref, 'f', { now: before, waitMs: 500 })).toEqual({ state: 'claimed' });
        await tx.completeIdempotencyKey(ref, { statusCode: 200, response: { first: true } });
      });
      const retry = await store.transaction((tx) => tx.claimIdempotencyKey(ref, 'f', { now: after, waitMs: 500 }));
      expect(retry).toEqual({ state: 'done', fingerprint: 'f', statusCode: 200, response: { first: true } });
    });

    it('a duplicate after midnight waits for a first request still running from before it', async () => {
      if (database.name === 'pglite') return; // one connection: there is no concurrent transaction
      const ref = { sessionId: 'midnight-2', scope: 'share', key: 'k' };
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let claimed!: () => void;
      const firstClaimed = new Promise<void>((r) => (claimed = r));
      const first = store.transaction(async (tx) => {
        expect(await tx.claimIdempotencyKey(ref, 'f', { now: at(D, -50), waitMs: 2000 })).toEqual({ state: 'claimed' });
        claimed();
        await gate;
        await tx.completeIdempotencyKey(ref, { statusCode: 200, response: { first: true } });
      });
      await firstClaimed;
      const duplicate = store.transaction((tx) => tx.claimIdempotencyKey(ref, 'f', { now: at(D, 50), waitMs: 2000 }));
      await new Promise((r) => setTimeout(r, 200));
      release();
      await first;
      expect(await duplicate).toEqual({ state: 'done', fingerprint: 'f', statusCode: 200, response: { first: true } });
    });
  });
}

import { sql, type SQL } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { MetricsStore } from './port';
import { ts } from './sql-helpers';

// Deletes run in chunks so a large backlog never holds many row locks or one long transaction.
const CHUNK = 5_000;

async function deleteInChunks(db: SqlExecutor, chunk: (limit: number) => SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.rows<{ n: string | number }>(sql`with d as (${chunk(CHUNK)} returning 1) select count(*) as n from d`);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < CHUNK) return total;
  }
}

/**
 * Each chunk picks the oldest rows through the expiry index (`order by … limit` keeps that index
 * in the generic plan too) and deletes them by ctid (a Tid Scan). Deleting by primary key `in
 * (subquery)` hash-joined a sequential scan of the whole table per chunk (docs/QUERY-PLANS.md).
 * A row revived (view de-dup) by a concurrent update after the chunk's snapshot must survive: the
 * old `in (subquery)` form deleted it (tests/store/maintenance-race.test.ts). Its new version has
 * a new ctid, and the repeated condition says the same without relying on how the Tid Scan
 * re-checks an updated row.
 */
export function maintenanceQueries(db: SqlExecutor): Pick<MetricsStore, 'deleteExpired'> {
  return {
    async deleteExpired(opts) {
      const dedupBefore = ts(opts.dedupBefore);
      const viewDedup = await deleteInChunks(
        db,
        (limit) => sql`delete from view_dedup where ctid = any(array(
            select ctid from view_dedup where expires_at <= ${dedupBefore} order by expires_at limit ${limit}))
          and expires_at <= ${dedupBefore}`,
      );
      const idempotencyBefore = ts(opts.idempotencyBefore);
      const idempotencyKeys = await deleteInChunks(
        db,
        (limit) => sql`delete from idempotency_keys where ctid = any(array(
            select ctid from idempotency_keys where created_at < ${idempotencyBefore} order by created_at limit ${limit}))
          and created_at < ${idempotencyBefore}`,
      );
      const salts = await db.rows(sql`delete from view_salts where day < ${opts.saltsBeforeDay} returning day`);
      const ipCounts = await deleteInChunks(
        db,
        (limit) => sql`delete from ip_expose_counts where ctid = any(array(
            select ctid from ip_expose_counts where day < ${opts.saltsBeforeDay} order by day limit ${limit}))
          and day < ${opts.saltsBeforeDay}`,
      );
      const usedChallenges = await deleteInChunks(
        db,
        (limit) => sql`delete from used_challenges where ctid = any(array(
            select ctid from used_challenges where expires_at < ${dedupBefore} order by expires_at limit ${limit}))
          and expires_at < ${dedupBefore}`,
      );
      return { viewDedup, viewSalts: salts.length, idempotencyKeys, ipCounts, usedChallenges };
    },
  };
}

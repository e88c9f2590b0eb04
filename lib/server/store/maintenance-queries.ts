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

export function maintenanceQueries(db: SqlExecutor): Pick<MetricsStore, 'deleteExpired'> {
  return {
    async deleteExpired(opts) {
      const viewDedup = await deleteInChunks(
        db,
        (limit) => sql`delete from view_dedup where (expose_id, viewer_hash) in (
          select expose_id, viewer_hash from view_dedup where expires_at <= ${ts(opts.dedupBefore)} limit ${limit})`,
      );
      const idempotencyKeys = await deleteInChunks(
        db,
        (limit) => sql`delete from idempotency_keys where (session_id, scope, key) in (
          select session_id, scope, key from idempotency_keys where created_at < ${ts(opts.idempotencyBefore)} limit ${limit})`,
      );
      const salts = await db.rows(sql`delete from view_salts where day < ${opts.saltsBeforeDay} returning day`);
      return { viewDedup, viewSalts: salts.length, idempotencyKeys };
    },
  };
}

import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { IdempotencyClaim, IdempotencyRef, MetricsStore, WriteQueries } from './port';
import { toDate, ts } from './sql-helpers';

interface RawClaimRow {
  claimed: boolean;
  fingerprint: string | null;
  status_code: number | null;
  response: unknown;
  created_at: Date | string | null;
}

const where = (ref: IdempotencyRef) =>
  sql`session_id = ${ref.sessionId} and scope = ${ref.scope} and key = ${ref.key}`;

export function idempotencyWriteQueries(db: SqlExecutor): Pick<WriteQueries, 'completeIdempotencyKey'> {
  return {
    async completeIdempotencyKey(ref, reply) {
      await db.rows(sql`
        update idempotency_keys set status_code = ${reply.statusCode}, response = ${JSON.stringify(reply.response)}::jsonb
        where ${where(ref)}`);
    },
  };
}

/**
 * The claim is its own committed statement, so a concurrent duplicate sees it while the first
 * request's transaction is still running. When the insert loses a race with a claim that is not
 * yet committed, the select (same snapshot) finds nothing: that reads as "pending" too.
 */
export function idempotencyQueries(
  db: SqlExecutor,
): Pick<MetricsStore, 'claimIdempotencyKey' | 'releaseIdempotencyKey'> {
  return {
    async claimIdempotencyKey(ref, fingerprint, opts): Promise<IdempotencyClaim> {
      const rows = await db.rows<RawClaimRow>(sql`
        with ins as (
          insert into idempotency_keys (session_id, scope, key, fingerprint, created_at)
          values (${ref.sessionId}, ${ref.scope}, ${ref.key}, ${fingerprint}, ${ts(opts.now)})
          on conflict do nothing
          returning 1
        )
        select true as claimed, null::text as fingerprint, null::smallint as status_code,
          null::jsonb as response, null::timestamptz as created_at
        from ins
        union all
        select false, fingerprint, status_code, response, created_at
        from idempotency_keys where ${where(ref)} and not exists (select 1 from ins)`);
      const row = rows[0];
      if (!row) return { state: 'pending', fingerprint: null, since: null };
      if (row.claimed) return { state: 'claimed' };
      if (row.status_code !== null) {
        return { state: 'done', fingerprint: row.fingerprint ?? '', statusCode: Number(row.status_code), response: row.response };
      }
      const since = row.created_at === null ? null : toDate(row.created_at);
      if (since && since.getTime() <= opts.staleBefore.getTime()) {
        // The claimant died without finishing or releasing (crash, lost connection): take it over.
        const taken = await db.rows(sql`
          update idempotency_keys set fingerprint = ${fingerprint}, created_at = ${ts(opts.now)}
          where ${where(ref)} and status_code is null and created_at <= ${ts(opts.staleBefore)}
          returning 1`);
        if (taken.length > 0) return { state: 'claimed' };
      }
      return { state: 'pending', fingerprint: row.fingerprint, since };
    },

    async releaseIdempotencyKey(ref) {
      await db.rows(sql`delete from idempotency_keys where ${where(ref)} and status_code is null`);
    },
  };
}

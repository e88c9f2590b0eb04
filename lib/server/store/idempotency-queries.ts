import { sql } from 'drizzle-orm';
import { hasSqlState, type SqlExecutor } from './database';
import type { IdempotencyClaim, IdempotencyRef, WriteQueries } from './port';
import { ts } from './sql-helpers';

interface RawKeyRow {
  fingerprint: string;
  status_code: number | null;
  response: unknown;
}

const LOCK_NOT_AVAILABLE = '55P03';

const where = (ref: IdempotencyRef) =>
  sql`session_id = ${ref.sessionId} and scope = ${ref.scope} and key = ${ref.key}`;

/**
 * Claims run inside the effect's transaction (domain/idempotency.ts says why). Both run on one
 * transaction executor, never on the pool.
 */
export function idempotencyWriteQueries(db: SqlExecutor): Pick<WriteQueries, 'claimIdempotencyKey' | 'completeIdempotencyKey'> {
  return {
    async claimIdempotencyKey(ref, fingerprint, opts): Promise<IdempotencyClaim> {
      // Only the claim waits at most `waitMs` for a running duplicate; the effect's own row locks
      // keep the session's setting. The insert's RETURNING restores it: it is evaluated only
      // after the insert got past any wait on the unique index.
      const [setting] = await db.rows<{ previous: string }>(
        sql`select current_setting('lock_timeout') as previous, set_config('lock_timeout', ${`${opts.waitMs}ms`}, true) as now_set`,
      );
      let inserted: unknown[];
      try {
        inserted = await db.rows(sql`
          insert into idempotency_keys (session_id, scope, key, fingerprint, created_at)
          values (${ref.sessionId}, ${ref.scope}, ${ref.key}, ${fingerprint}, ${ts(opts.now)})
          on conflict (session_id, scope, key) do nothing
          returning set_config('lock_timeout', ${setting?.previous ?? '0'}, true)`);
      } catch (err) {
        // A duplicate's transaction held the key for longer than waitMs (this one is now aborted).
        if (hasSqlState(err, LOCK_NOT_AVAILABLE)) return { state: 'busy' };
        throw err;
      }
      if (inserted.length > 0) return { state: 'claimed' };
      // The key was committed by another request (we waited for it if it was running). A new
      // statement has a new snapshot under READ COMMITTED, so it sees that row.
      const [row] = await db.rows<RawKeyRow>(
        sql`select fingerprint, status_code, response from idempotency_keys where ${where(ref)}`,
      );
      if (!row || row.status_code === null) return { state: 'busy' };
      return { state: 'done', fingerprint: row.fingerprint, statusCode: Number(row.status_code), response: row.response };
    },

    async completeIdempotencyKey(ref, reply) {
      await db.rows(sql`
        update idempotency_keys set status_code = ${reply.statusCode}, response = ${JSON.stringify(reply.response)}::jsonb
        where ${where(ref)}`);
    },
  };
}

import { sql } from 'drizzle-orm';
import { hasSqlState, type SqlExecutor } from './database';
import type { IdempotencyClaim, IdempotencyRef, WriteQueries } from './port';
import { textArray, ts } from './sql-helpers';

interface RawKeyRow {
  fingerprint: string;
  status_code: number | null;
  response: unknown;
}

const LOCK_NOT_AVAILABLE = '55P03';
const DAY_MS = 86_400_000;
/**
 * Keys are filed under their UTC day (the partition key on PostgreSQL; docs/OPERATIONS.md
 * "Partitions"), so two requests with one key on either side of midnight would not meet on the
 * unique index. A claim within this margin of midnight is filed under both days; a share's or
 * comment's transaction cannot run this long (statement timeout 2.5 s, idle-in-transaction 5 s),
 * so two requests further apart find the first one's row committed (or gone).
 */
const MIDNIGHT_MARGIN_MS = 60_000;
/**
 * A key is remembered this long (domain/idempotency.ts IDEMPOTENCY_TTL_MS): an older row is ignored
 * even while its day's partition still exists (PostgreSQL drops a day's keys up to a day later).
 */
const KEY_LIFETIME_MS = 24 * 3_600_000;
const utcDay = (d: Date): string => d.toISOString().slice(0, 10);
/** The days a claim at `now` is filed under: its own, and a neighbour within the margin. */
export const claimDays = (now: Date): string[] =>
  [...new Set([now.getTime() - MIDNIGHT_MARGIN_MS, now.getTime(), now.getTime() + MIDNIGHT_MARGIN_MS].map((t) => utcDay(new Date(t))))];
/** Where a committed key of the last 24 h is: today or yesterday (or, near midnight, tomorrow). */
const lookupDays = (now: Date): string[] => [...new Set([utcDay(new Date(now.getTime() - DAY_MS)), ...claimDays(now)])];

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
      const days = claimDays(opts.now);
      let inserted: { day: string }[];
      try {
        // Unless the key was used today or yesterday (a committed row), file it under its day, and
        // near midnight under the neighbouring day too (claimDays), in day order (no deadlock
        // between two such claims). A running duplicate has filed under a day of ours: the insert
        // waits for it on the unique index, and then skips that day (ON CONFLICT DO NOTHING).
        inserted = await db.rows<{ day: string }>(sql`
          insert into idempotency_keys (session_id, scope, key, fingerprint, created_at, day)
          select ${ref.sessionId}, ${ref.scope}, ${ref.key}, ${fingerprint}, ${ts(opts.now)}, d.day
          from unnest(${textArray(days)}) as d(day)
          where not exists (select 1 from idempotency_keys where ${where(ref)} and day = any(${textArray(lookupDays(opts.now))})
            and created_at > ${ts(new Date(opts.now.getTime() - KEY_LIFETIME_MS))})
          order by d.day
          on conflict (session_id, scope, key, day) do nothing
          returning day, set_config('lock_timeout', ${setting?.previous ?? '0'}, true)`);
      } catch (err) {
        // A duplicate's transaction held the key for longer than waitMs (this one is now aborted).
        if (hasSqlState(err, LOCK_NOT_AVAILABLE)) return { state: 'busy' };
        throw err;
      }
      if (inserted.length === days.length) return { state: 'claimed' };
      // Another request has the key (we waited for it if it was running). Rows this claim filed
      // under a neighbouring day go again, so they cannot answer a later retry with "busy".
      if (inserted.length > 0) {
        await db.rows(sql`delete from idempotency_keys where ${where(ref)} and day = any(${textArray(inserted.map((r) => r.day))}) and status_code is null`);
      }
      // A new statement has a new snapshot under READ COMMITTED, so it sees that row.
      const [row] = await db.rows<RawKeyRow>(
        sql`select fingerprint, status_code, response from idempotency_keys where ${where(ref)} and day = any(${textArray(lookupDays(opts.now))})
            and created_at > ${ts(new Date(opts.now.getTime() - KEY_LIFETIME_MS))}
          order by day desc limit 1`,
      );
      if (!row || row.status_code === null) return { state: 'busy' };
      return { state: 'done', fingerprint: row.fingerprint, statusCode: Number(row.status_code), response: row.response };
    },

    async completeIdempotencyKey(ref, reply) {
      await db.rows(sql`
        update idempotency_keys set status_code = ${reply.statusCode}, response = ${JSON.stringify(reply.response)}::jsonb
        where ${where(ref)} and status_code is null`);
    },
  };
}

import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ShareOp, WriteQueries } from './port';
import { counterWrite, textArray, toWriteResult, ts, type RawWriteRow } from './sql-helpers';

/** One share row per op (with its channel) and `shares` + n, in one statement. */
export function shareQueries(db: SqlExecutor): Pick<WriteQueries, 'applyShares'> {
  return {
    async applyShares(exposeId: string, ops: readonly ShareOp[], opts: { now: Date }) {
      const rows = await db.rows<RawWriteRow>(
        counterWrite({
          exposeId,
          now: opts.now,
          sessionIds: [...new Set(ops.map((o) => o.sessionId))],
          effects: sql`
            ins as (
              insert into shares (expose_id, channel, created_at)
              select e.id, c.channel, ${ts(opts.now)}
              from e, unnest(${textArray(ops.map((o) => o.channel))}) as c(channel)
              where e.open
              returning 1
            )`,
          bump: sql`shares = shares + (select count(*) from ins)`,
          changed: sql`exists (select 1 from ins)`,
        }),
      );
      return rows[0] ? toWriteResult(rows[0]) : null;
    },
  };
}

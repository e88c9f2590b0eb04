import { sql } from 'drizzle-orm';
import { engagementRow, engagementUpsert, minuteOf } from './analytics-queries';
import type { SqlExecutor } from './database';
import type { ShareOp, WriteQueries } from './port';
import { counterWrite, intArray, textArray, toWriteResult, ts, type RawWriteRow } from './sql-helpers';

/** One share row per op (with its channel) and `shares` + n, in one statement. */
export function shareQueries(db: SqlExecutor): Pick<WriteQueries, 'applyShares'> {
  return {
    async applyShares(exposeId: string, ops: readonly ShareOp[], opts: { now: Date; ipCap?: { day: string; max: number } }) {
      const capped = opts.ipCap !== undefined;
      const cap = opts.ipCap?.max ?? 0;
      const wanted = new Map<string, number>();
      for (const op of ops) wanted.set(op.ipKey ?? '', (wanted.get(op.ipKey ?? '') ?? 0) + 1);
      const keys = [...wanted.keys()].sort();
      const rows = await db.rows<RawWriteRow & { recorded: string | number; ip_total: string | number | null }>(
        counterWrite({
          exposeId,
          now: opts.now,
          sessionIds: [...new Set(ops.map((o) => o.sessionId))],
          // The capped upsert (see view-queries.ts): "granted" is what this statement added.
          effects: sql`
            g as (
              insert into ip_expose_counts (expose_id, ip_key, day, shares, granted)
              select e.id, r.ip_key, ${opts.ipCap?.day ?? ''}, least(r.n, ${cap}::int), least(r.n, ${cap}::int)
              from e, unnest(${textArray(keys)}, ${intArray(keys.map((k) => wanted.get(k)!))}) as r(ip_key, n)
              where e.open and ${capped}::boolean
              order by r.ip_key
              on conflict (expose_id, ip_key, day) do update set
                shares = greatest(ip_expose_counts.shares, least(ip_expose_counts.shares + excluded.shares, ${cap}::int)),
                granted = greatest(0, least(ip_expose_counts.shares + excluded.shares, ${cap}::int) - ip_expose_counts.shares)
              returning ip_key, granted, shares
            ),
            ins as (
              insert into shares (expose_id, channel, created_at)
              select e.id, c.channel, ${ts(opts.now)}
              from e, (
                select channel, ip_key, row_number() over (partition by ip_key order by n) as rank
                from unnest(${textArray(ops.map((o) => o.channel))}, ${textArray(ops.map((o) => o.ipKey ?? ''))})
                  with ordinality as u(channel, ip_key, n)
              ) c
              where e.open and (not ${capped}::boolean or c.rank <= coalesce((select granted from g where g.ip_key = c.ip_key), 0))
              returning 1
            )`,
          bump: sql`shares = shares + (select count(*) from ins)`,
          changed: sql`exists (select 1 from ins)`,
          history: (id) => engagementUpsert(minuteOf(opts.now), sql`select ${engagementRow(id, 'shares', sql`(select count(*) from ins)`)} from ctr`),
          extraColumns: sql`, (select count(*) from ins) as recorded, (select max(shares) from g) as ip_total`,
        }),
      );
      return rows[0] ? { ...toWriteResult(rows[0]), recorded: Number(rows[0].recorded), ipTotal: Number(rows[0].ip_total ?? 0) } : null;
    },
  };
}

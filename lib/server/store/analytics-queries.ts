import { sql, type SQL } from 'drizzle-orm';
import type { Database, SqlExecutor } from './database';
import { MINUTE_PARTITIONED, dayEndedBy, managePartitions, partitionedTables, type MinutePartitionedTable } from './maintenance-queries';
import type { AnalyticsStore, ClientStatsRow, EngagementDelta, EngagementPoint, TopExposeRow, WriteQueries } from './port';
import { intArray, textArray, ts } from './sql-helpers';

/** The UTC minute a write at `now` belongs to. */
export const minuteOf = (now: Date): Date => new Date(Math.floor(now.getTime() / 60_000) * 60_000);

/** Latency bucket upper bounds (ms) of client_minutes' lat_* columns; the last one is +Inf. */
export const LATENCY_BOUNDS_MS = [100, 250, 500, 1000, 2500, 5000, 10_000, Infinity] as const;
const LATENCY_COLUMNS = ['lat_100', 'lat_250', 'lat_500', 'lat_1000', 'lat_2500', 'lat_5000', 'lat_10000', 'lat_inf'] as const;
const CLIENT_COUNTS = ['operations', 'acknowledged', 'rolled_back', 'dropped', 'attempts', 'retries', 'timeouts', 'exhausted', 'errors'] as const;
const CLIENT_COLUMNS = [...CLIENT_COUNTS, ...LATENCY_COLUMNS];
const ENGAGEMENT = ['views', 'upvotes', 'downvotes', 'shares', 'comments'] as const;
export type EngagementColumn = (typeof ENGAGEMENT)[number];

const list = (cols: readonly string[], prefix = '') => sql.raw(cols.map((c) => `${prefix}${c}`).join(', '));
const addAll = (table: string, cols: readonly string[]) => sql.raw(cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', '));
const sums = (cols: readonly string[]) => sql.raw(cols.map((c) => `sum(${c})::bigint as ${c}`).join(', '));

/**
 * The engagement-history upsert as ONE CTE body, for a counter statement to include: `rows` yields
 * (expose_id, views, upvotes, downvotes, shares, comments), at most one row per expose. It must read
 * from the statement's counter UPDATE (its RETURNING), so the expose's row lock is always taken
 * before its history row's, as in every other write, and concurrent writes cannot deadlock.
 */
export function engagementUpsert(minute: Date, rows: SQL): SQL {
  return sql`insert into engagement_minutes as m (expose_id, minute, ${list(ENGAGEMENT)})
    select r.expose_id, ${ts(minute)}, ${list(ENGAGEMENT, 'r.')} from (${rows}) r order by r.expose_id
    on conflict (expose_id, minute) do update set ${addAll('m', ENGAGEMENT)}`;
}

/** A select list of one expose's engagement row where only `column` is non-zero. */
export function engagementRow(exposeId: SQL, column: EngagementColumn, n: SQL): SQL {
  return sql.join(
    [sql`${exposeId} as expose_id`, ...ENGAGEMENT.map((c) => (c === column ? sql`(${n})::int as ${sql.raw(c)}` : sql.raw(`0 as ${c}`)))],
    sql`, `,
  );
}

/** Votes: the deltas of a batch transaction, one statement after its counter update. */
export function engagementWriteQueries(db: SqlExecutor): Pick<WriteQueries, 'addEngagement'> {
  return {
    async addEngagement(rows: readonly EngagementDelta[], opts: { now: Date }) {
      const sorted = [...rows].sort((a, b) => (a.exposeId < b.exposeId ? -1 : a.exposeId > b.exposeId ? 1 : 0));
      if (sorted.length === 0) return;
      const col = (c: EngagementColumn) => intArray(sorted.map((r) => r[c] ?? 0));
      await db.rows(
        sql`${engagementUpsert(
          minuteOf(opts.now),
          sql`select * from unnest(${textArray(sorted.map((r) => r.exposeId))}, ${sql.join(ENGAGEMENT.map(col), sql`, `)})
            as u(expose_id, ${list(ENGAGEMENT)})`,
        )}`,
      );
    },
  };
}

interface RawClientRow extends Record<string, unknown> {
  kind: string;
}
const toClientRow = (r: RawClientRow, at: Date): ClientStatsRow => ({
  at,
  kind: r.kind,
  operations: Number(r.operations),
  acknowledged: Number(r.acknowledged),
  rolledBack: Number(r.rolled_back),
  dropped: Number(r.dropped),
  attempts: Number(r.attempts),
  retries: Number(r.retries),
  timeouts: Number(r.timeouts),
  exhausted: Number(r.exhausted),
  errors: Number(r.errors),
  latency: LATENCY_COLUMNS.map((c) => Number(r[c])),
});
const clientValues = (r: ClientStatsRow): number[] => [
  r.operations,
  r.acknowledged,
  r.rolledBack,
  r.dropped,
  r.attempts,
  r.retries,
  r.timeouts,
  r.exhausted,
  r.errors,
  ...LATENCY_BOUNDS_MS.map((_, i) => r.latency[i] ?? 0),
];

/** How each minute table is summed into its hour table: its key columns (besides the time) and counters. */
const ROLLUPS: Record<MinutePartitionedTable, { to: string; key: readonly string[]; cols: readonly string[] }> = {
  engagement_minutes: { to: 'engagement_hours', key: ['expose_id'], cols: ENGAGEMENT },
  engagement_drop_minutes: { to: 'engagement_drop_hours', key: ['expose_id', 'kind', 'outcome'], cols: ['n'] },
  client_minutes: { to: 'client_hours', key: ['kind'], cols: CLIENT_COLUMNS },
};

/**
 * Sums the minute rows `source` yields into the table's hour rows, in one statement; `source` is a
 * `delete … returning *` (plain tables, a DEFAULT partition) or a `select *` (a whole day partition
 * about to be dropped). Returns how many minute rows it summed.
 */
const rollupFrom = (table: MinutePartitionedTable, source: string): SQL => {
  const { to, key, cols } = ROLLUPS[table];
  return sql.raw(`with moved as (${source}),
    ins as (
      insert into ${to} as h (${key.join(', ')}, hour, ${cols.join(', ')})
      select ${key.join(', ')}, date_trunc('hour', minute, 'UTC'), ${cols.map((c) => `sum(${c})`).join(', ')}
      from moved group by ${key.map((_, i) => i + 1).join(', ')}, ${key.length + 1}
      order by ${key.map((_, i) => i + 1).join(', ')}, ${key.length + 1}
      on conflict (${key.join(', ')}, hour) do update set ${cols.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}
      returning 1)
    select (select count(*) from moved) as n`);
};

export function analyticsQueries(db: Database): AnalyticsStore {
  const count = async (q: SQL) => Number((await db.rows<{ n: string | number }>(q))[0]?.n ?? 0);
  return {
    async addDrops(rows) {
      if (rows.length === 0) return;
      const key = (r: (typeof rows)[number]) => `${r.exposeId}\n${r.minute.toISOString()}\n${r.kind}\n${r.outcome}`;
      const sorted = [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      await db.rows(sql`
        insert into engagement_drop_minutes as d (expose_id, minute, kind, outcome, n)
        select r.expose_id, r.minute::timestamptz, r.kind, r.outcome, sum(r.n)
        from unnest(${textArray(sorted.map((r) => r.exposeId))}, ${textArray(sorted.map((r) => r.minute.toISOString()))},
          ${textArray(sorted.map((r) => r.kind))}, ${textArray(sorted.map((r) => r.outcome))}, ${intArray(sorted.map((r) => r.n))})
          as r(expose_id, minute, kind, outcome, n)
        -- Only ids of real exposes (a rate-limited request's body names any id, see audit-queries.ts).
        join exposes e on e.id = r.expose_id
        group by 1, 2, 3, 4 order by 1, 2, 3, 4
        on conflict (expose_id, minute, kind, outcome) do update set n = d.n + excluded.n`);
    },

    async addClientStats(rows) {
      if (rows.length === 0) return;
      // One input row per (minute, kind): ON CONFLICT may touch a row once per statement.
      const merged = new Map<string, { at: Date; kind: string; values: number[] }>();
      for (const r of rows) {
        const at = minuteOf(r.at);
        const key = `${at.toISOString()}\n${r.kind}`;
        const values = clientValues(r);
        const m = merged.get(key);
        if (m) values.forEach((v, i) => (m.values[i]! += v));
        else merged.set(key, { at, kind: r.kind, values });
      }
      const sorted = [...merged.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
      const arrays = CLIENT_COLUMNS.map((_, i) => intArray(sorted.map((r) => r.values[i]!)));
      await db.rows(sql`
        insert into client_minutes as c (minute, kind, ${list(CLIENT_COLUMNS)})
        select u.minute::timestamptz, u.kind, ${list(CLIENT_COLUMNS, 'u.')}
        from unnest(${textArray(sorted.map((r) => r.at.toISOString()))}, ${textArray(sorted.map((r) => r.kind))},
          ${sql.join(arrays, sql`, `)}) as u(minute, kind, ${list(CLIENT_COLUMNS)})
        order by 1, 2
        on conflict (minute, kind) do update set ${addAll('c', CLIENT_COLUMNS)}`);
    },

    async engagementSeries(opts) {
      const bucket = Math.max(60, Math.round(opts.bucketSec));
      const expose = (col: string) => (opts.exposeId === undefined ? sql`` : sql`and ${sql.raw(col)} = ${opts.exposeId}`);
      const rows = await db.rows<Record<string, string | number> & { t: Date | string }>(sql`
        select to_timestamp(floor(extract(epoch from t) / ${bucket}) * ${bucket}) as t, ${sums(ENGAGEMENT)}
        from (
          select minute as t, ${list(ENGAGEMENT)} from engagement_minutes
          where minute >= ${ts(opts.from)} and minute < ${ts(opts.to)} ${expose('expose_id')}
          union all
          select hour, ${list(ENGAGEMENT)} from engagement_hours
          where hour >= ${ts(opts.from)} and hour < ${ts(opts.to)} ${expose('expose_id')}
        ) x
        group by 1 order by 1`);
      return rows.map(
        (r): EngagementPoint => ({
          at: new Date(r.t),
          views: Number(r.views),
          upvotes: Number(r.upvotes),
          downvotes: Number(r.downvotes),
          shares: Number(r.shares),
          comments: Number(r.comments),
        }),
      );
    },

    async dropSeries(opts) {
      const rows = await db.rows<{ kind: string; outcome: string; n: string | number }>(sql`
        select kind, outcome, sum(n)::bigint as n from (
          select kind, outcome, n from engagement_drop_minutes
          where minute >= ${ts(opts.from)} ${opts.exposeId === undefined ? sql`` : sql`and expose_id = ${opts.exposeId}`}
          union all
          select kind, outcome, n from engagement_drop_hours
          where hour >= ${ts(opts.from)} ${opts.exposeId === undefined ? sql`` : sql`and expose_id = ${opts.exposeId}`}
        ) x group by 1, 2 order by 1, 2`);
      return rows.map((r) => ({ kind: r.kind, outcome: r.outcome, n: Number(r.n) }));
    },

    async topExposes(opts) {
      // Activity = views + votes either way + shares + comments, per minute row; "now" is the last
      // 15 minutes, trending compares that rate with the hour before it.
      const recentFrom = new Date(opts.now.getTime() - 15 * 60_000);
      const priorFrom = new Date(opts.now.getTime() - 75 * 60_000);
      const rows = await db.rows<{ id: string; title: string | null; recent: string | number; prior: string | number }>(sql`
        with a as (
          select expose_id,
            sum(views + abs(upvotes) + abs(downvotes) + shares + comments) filter (where minute >= ${ts(recentFrom)}) as recent,
            sum(views + abs(upvotes) + abs(downvotes) + shares + comments) filter (where minute < ${ts(recentFrom)}) as prior
          from engagement_minutes
          where minute >= ${ts(priorFrom)}
          group by expose_id
        )
        select a.expose_id as id, e.title, coalesce(a.recent, 0) as recent, coalesce(a.prior, 0) as prior
        from a left join exposes e on e.id = a.expose_id
        where coalesce(a.recent, 0) > 0
        order by coalesce(a.recent, 0) desc, a.expose_id
        limit 200`);
      return rows.map((r): TopExposeRow => ({ id: r.id, title: r.title ?? r.id, recent: Number(r.recent), prior: Number(r.prior) }));
    },

    async clientStats(opts) {
      const bucket = Math.max(60, Math.round(opts.bucketSec));
      const rows = await db.rows<RawClientRow & { t: Date | string }>(sql`
        select to_timestamp(floor(extract(epoch from t) / ${bucket}) * ${bucket}) as t, kind, ${sums(CLIENT_COLUMNS)}
        from (
          select minute as t, kind, ${list(CLIENT_COLUMNS)} from client_minutes where minute >= ${ts(opts.from)} and minute < ${ts(opts.to)}
          union all
          select hour, kind, ${list(CLIENT_COLUMNS)} from client_hours where hour >= ${ts(opts.from)} and hour < ${ts(opts.to)}
        ) x
        group by 1, 2 order by 1, 2`);
      return rows.map((r) => toClientRow(r, new Date(r.t)));
    },

    async rollupHistory(opts) {
      // On PostgreSQL the minute tables are day partitions (migration 0012): a day wholly older than
      // the cut-off is summed and dropped in one transaction; rows deleted one by one are only the
      // DEFAULT partition's (a day that had no partition). PGlite: plain tables, rows deleted.
      const partitioned = await partitionedTables(db, MINUTE_PARTITIONED);
      const minutesBefore = opts.minutesBefore.toISOString();
      const moved = {} as Record<MinutePartitionedTable, number>;
      for (const table of MINUTE_PARTITIONED) {
        const rowsOf = partitioned.has(table) ? `${table}_default` : table;
        moved[table] = await count(rollupFrom(table, `delete from ${rowsOf} where minute < '${minutesBefore}'::timestamptz returning *`));
        if (!partitioned.has(table)) continue;
        moved[table] += await managePartitions(
          db,
          table,
          opts.now,
          dayEndedBy(opts.minutesBefore),
          async (tx, partition) => Number((await tx.rows<{ n: string | number }>(rollupFrom(table, `select * from "${partition}"`)))[0]?.n ?? 0),
        );
      }
      const engagement = moved.engagement_minutes;
      const drops = moved.engagement_drop_minutes;
      const client = moved.client_minutes;
      const before = ts(opts.hoursBefore);
      const hours =
        (await count(sql`with d as (delete from engagement_hours where hour < ${before} returning 1) select count(*) as n from d`)) +
        (await count(sql`with d as (delete from engagement_drop_hours where hour < ${before} returning 1) select count(*) as n from d`)) +
        (await count(sql`with d as (delete from client_hours where hour < ${before} returning 1) select count(*) as n from d`));
      return { engagementMinutes: engagement, dropMinutes: drops, clientMinutes: client, hours };
    },
  };
}

import { sql, type SQL } from 'drizzle-orm';
import type { Database, SqlExecutor } from './database';
import type { MetricsStore } from './port';
import { textArray, ts } from './sql-helpers';

// Deletes run in chunks so a large backlog never holds many row locks or one long transaction.
const CHUNK = 5_000;
const DAY_MS = 86_400_000;
/** Partitions are created this many days ahead (today included), so a day never starts without one. */
const DAYS_AHEAD = 3;
/**
 * Creating or dropping a partition takes an ACCESS EXCLUSIVE lock on the parent table: behind a
 * long transaction, the request would queue every hot-path insert behind it. It gives up after
 * this long instead, and the next run (10 minutes later) tries again.
 */
const DDL_LOCK_TIMEOUT = '1s';

/** The tables that are LIST-partitioned by `day` on PostgreSQL (migration 0011_partitions); plain on PGlite. */
const PARTITIONED = ['view_dedup', 'idempotency_keys'] as const;
type PartitionedTable = (typeof PARTITIONED)[number];
/** The analytics minute tables, RANGE-partitioned by `minute`, one UTC day each (migration 0012); plain on PGlite. */
export const MINUTE_PARTITIONED = ['engagement_minutes', 'engagement_drop_minutes', 'client_minutes'] as const;
export type MinutePartitionedTable = (typeof MINUTE_PARTITIONED)[number];
type DayPartitionedTable = PartitionedTable | MinutePartitionedTable;
const isRange = (table: DayPartitionedTable): table is MinutePartitionedTable => (MINUTE_PARTITIONED as readonly string[]).includes(table);

const utcDay = (d: Date): string => d.toISOString().slice(0, 10);
const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);
/** For `managePartitions`: a day partition whose every moment is before `cutoff` may go. */
export const dayEndedBy = (cutoff: Date) => (day: string): boolean => dayStart(day) + DAY_MS <= cutoff.getTime();
export const partitionName = (table: DayPartitionedTable, day: string): string => `${table}_p${day.replaceAll('-', '')}`;
const dayOfPartition = (table: DayPartitionedTable, name: string): string | null => {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
};
// Table names are from the fixed lists above and partition names are built from digits only.
export const ident = (name: string): SQL => sql.raw(`"${name}"`);

async function deleteInChunks(db: SqlExecutor, chunk: (limit: number) => SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.rows<{ n: string | number }>(sql`with d as (${chunk(CHUNK)} returning 1) select count(*) as n from d`);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < CHUNK) return total;
  }
}

/** Which of `tables` are partitioned here (PostgreSQL after migrations 0011/0012; never on PGlite). */
export async function partitionedTables<T extends DayPartitionedTable>(db: SqlExecutor, tables: readonly T[]): Promise<Set<T>> {
  const rows = await db.rows<{ relname: T }>(sql`
    select relname from pg_class
    where relkind = 'p' and relname = any(${textArray([...tables])}) and pg_table_is_visible(oid)`);
  return new Set(rows.map((r) => r.relname));
}

/**
 * DDL in its own transaction, with a short lock_timeout; false when it could not get its lock (or
 * failed otherwise): everything it did is rolled back and the next run tries again.
 */
async function ddl(db: Database, statements: (tx: SqlExecutor) => Promise<void>): Promise<boolean> {
  try {
    await db.transaction(async (tx) => {
      await tx.rows(sql`select set_config('lock_timeout', ${DDL_LOCK_TIMEOUT}, true)`);
      await statements(tx);
    });
    return true;
  } catch {
    // lock_timeout, or a DEFAULT partition already holding rows of a day being created: the rows
    // stay in DEFAULT (deleted row by row) and the next run tries again.
    return false;
  }
}

/**
 * Day partitions of one table: creates today's and the next days' when missing, and drops those
 * whose every row has expired (`expiredDay(day)`). `retire`, if given, runs in the drop's own
 * transaction first (the analytics rollup sums the day into hour rows there: both or neither).
 * Returns the rows that went with them (the planner's estimate, pg_class.reltuples, unless
 * `retire` counts them: counting would read what a drop need not).
 */
export async function managePartitions(
  db: Database,
  table: DayPartitionedTable,
  now: Date,
  expiredDay: (day: string) => boolean,
  retire?: (tx: SqlExecutor, partition: string) => Promise<number>,
): Promise<number> {
  const partitions = await db.rows<{ relname: string; reltuples: number | string }>(sql`
    select c.relname, c.reltuples from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${table}::regclass`);
  const existing = new Set(partitions.map((p) => dayOfPartition(table, p.relname)).filter((d): d is string => d !== null));
  for (let i = 0; i < DAYS_AHEAD; i++) {
    const day = utcDay(new Date(now.getTime() + i * DAY_MS));
    if (existing.has(day)) continue;
    const bounds = isRange(table)
      ? sql.raw(`for values from ('${day}T00:00:00Z') to ('${utcDay(new Date(dayStart(day) + DAY_MS))}T00:00:00Z')`)
      : sql.raw(`for values in ('${day}')`);
    await ddl(db, async (tx) => {
      await tx.rows(sql`create table if not exists ${ident(partitionName(table, day))} partition of ${ident(table)} ${bounds}`);
    });
  }
  let dropped = 0;
  for (const p of partitions) {
    const day = dayOfPartition(table, p.relname);
    if (day === null || !expiredDay(day)) continue;
    let rows = Math.max(0, Number(p.reltuples));
    const done = await ddl(db, async (tx) => {
      if (retire) rows = await retire(tx, p.relname);
      await tx.rows(sql`drop table if exists ${ident(p.relname)}`);
    });
    if (done) dropped += rows;
  }
  return dropped;
}

/**
 * Each chunk picks the oldest rows through the expiry index (`order by … limit` keeps that index
 * in the generic plan too) and deletes them by ctid (a Tid Scan). Deleting by primary key `in
 * (subquery)` hash-joined a sequential scan of the whole table per chunk (docs/QUERY-PLANS.md).
 * A row revived (view de-dup) by a concurrent update after the chunk's snapshot must survive: the
 * old `in (subquery)` form deleted it (tests/store/maintenance-race.test.ts). Its new version has
 * a new ctid, and the repeated condition says the same without relying on how the Tid Scan
 * re-checks an updated row.
 *
 * On PostgreSQL, view de-dup rows and idempotency keys live in day partitions (migration 0011_partitions):
 * a day whose rows have all expired is dropped whole, with no row deletes and nothing for vacuum;
 * only the DEFAULT partition (rows of a day that had no partition yet) is still deleted row by row.
 */
export function maintenanceQueries(db: Database): Pick<MetricsStore, 'deleteExpired'> {
  return {
    async deleteExpired(opts) {
      const partitioned = await partitionedTables(db, PARTITIONED);
      const now = opts.dedupBefore;
      // The table a row delete runs on: the whole table, or only its DEFAULT partition.
      const rowsOf = (table: PartitionedTable) => ident(partitioned.has(table) ? `${table}_default` : table);

      const dedupBefore = ts(opts.dedupBefore);
      let viewDedup = await deleteInChunks(
        db,
        (limit) => sql`delete from ${rowsOf('view_dedup')} where ctid = any(array(
            select ctid from ${rowsOf('view_dedup')} where expires_at <= ${dedupBefore} order by expires_at limit ${limit}))
          and expires_at <= ${dedupBefore}`,
      );
      // A day's hashes are looked up on that day and the next (as "yesterday's"), never later.
      if (partitioned.has('view_dedup')) viewDedup += await managePartitions(db, 'view_dedup', now, (day) => dayStart(day) + 2 * DAY_MS <= now.getTime());

      const idempotencyBefore = ts(opts.idempotencyBefore);
      let idempotencyKeys = await deleteInChunks(
        db,
        (limit) => sql`delete from ${rowsOf('idempotency_keys')} where ctid = any(array(
            select ctid from ${rowsOf('idempotency_keys')} where created_at < ${idempotencyBefore} order by created_at limit ${limit}))
          and created_at < ${idempotencyBefore}`,
      );
      // Every key of a day was created before the day ended.
      if (partitioned.has('idempotency_keys')) {
        idempotencyKeys += await managePartitions(db, 'idempotency_keys', now, dayEndedBy(opts.idempotencyBefore));
      }

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

import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ExposeRow, ExposeStore, FeedAfter, FeedQueryOrder, NewExpose } from './port';
import { COUNTER_COLUMNS, textArray, toCounters, toDate, type RawCounters } from './sql-helpers';

interface RawExposeRow extends RawCounters {
  id: string;
  title: string;
  body: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  hot_rank?: number | string;
}

const EXPOSE_COLUMNS = sql`id, title, body, created_at, expires_at, ${COUNTER_COLUMNS}`;

/**
 * One statement per order, each walking its own index (schema.ts, docs/QUERY-PLANS.md) from the
 * top or from the previous page's last row: `(key, …) < (…)` matches the index's DESC order.
 */
function feedOrderSql(order: FeedQueryOrder, after: FeedAfter | undefined) {
  const ts = (d: Date) => d.toISOString();
  switch (order.sort) {
    case 'new':
      return {
        where: after ? sql`and (created_at, id) < (${ts(after.createdAt)}, ${after.id})` : sql``,
        orderBy: sql`created_at desc, id desc`,
      };
    case 'top':
      return {
        where: sql`${order.since ? sql`and created_at > ${ts(order.since)}` : sql``}
          ${after ? sql`and (net_votes, created_at, id) < (${after.netVotes ?? 0}, ${ts(after.createdAt)}, ${after.id})` : sql``}`,
        orderBy: sql`net_votes desc, created_at desc, id desc`,
      };
    case 'hot':
      return {
        where: after ? sql`and (hot_rank, id) < (${after.hotRank ?? 0}::double precision, ${after.id})` : sql``,
        orderBy: sql`hot_rank desc, id desc`,
      };
  }
}

export function toExposeRow(r: RawExposeRow): ExposeRow {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    createdAt: toDate(r.created_at),
    expiresAt: r.expires_at === null ? null : toDate(r.expires_at),
    ...toCounters(r),
    ...(r.hot_rank === undefined ? {} : { hotRank: Number(r.hot_rank) }),
  };
}

export function exposeQueries(db: SqlExecutor): ExposeStore {
  return {
    async ping() {
      await db.rows(sql`select 1 as ok`);
    },

    async insertExpose(e: NewExpose) {
      const rows = await db.rows<RawExposeRow>(sql`
        insert into exposes (id, title, body, expires_at)
        values (${e.id}, ${e.title}, ${e.body}, ${e.expiresAt?.toISOString() ?? null})
        returning ${EXPOSE_COLUMNS}`);
      return toExposeRow(rows[0]!);
    },

    async listFeed({ now, limit, order = { sort: 'new' }, after }: { now: Date; limit: number; order?: FeedQueryOrder; after?: FeedAfter }) {
      const { where, orderBy } = feedOrderSql(order, after);
      const rows = await db.rows<RawExposeRow>(sql`
        select ${EXPOSE_COLUMNS}, hot_rank from exposes
        where (expires_at is null or expires_at > ${now.toISOString()})
          ${where}
        order by ${orderBy}
        limit ${limit}`);
      return rows.map(toExposeRow);
    },

    async findExpose(id: string) {
      const rows = await db.rows<RawExposeRow>(sql`select ${EXPOSE_COLUMNS} from exposes where id = ${id}`);
      return rows[0] ? toExposeRow(rows[0]) : null;
    },

    async findVotes(sessionId: string, exposeIds: readonly string[]) {
      const result = new Map<string, number>();
      if (exposeIds.length === 0) return result;
      // One array parameter, not `in ($2, $3, …)`: the text (and its prepared statement) is the
      // same for a page of 1 or 50 ids.
      const rows = await db.rows<{ expose_id: string; value: number }>(sql`
        select expose_id, value from votes
        where session_id = ${sessionId} and expose_id = any(${textArray(exposeIds)})`);
      for (const r of rows) result.set(r.expose_id, Number(r.value));
      return result;
    },

    async countExposes() {
      const rows = await db.rows<{ n: string | number }>(sql`select count(*) as n from exposes`);
      return Number(rows[0]?.n ?? 0);
    },
  };
}

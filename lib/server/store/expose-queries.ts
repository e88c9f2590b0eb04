import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ExposeRow, ExposeStore, FeedCursor, NewExpose } from './port';
import { COUNTER_COLUMNS, textArray, toCounters, toDate, type RawCounters } from './sql-helpers';

interface RawExposeRow extends RawCounters {
  id: string;
  title: string;
  body: string;
  created_at: Date | string;
  expires_at: Date | string | null;
}

const EXPOSE_COLUMNS = sql`id, title, body, created_at, expires_at, ${COUNTER_COLUMNS}`;

export function toExposeRow(r: RawExposeRow): ExposeRow {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    createdAt: toDate(r.created_at),
    expiresAt: r.expires_at === null ? null : toDate(r.expires_at),
    ...toCounters(r),
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

    async listFeed({ now, limit, after }: { now: Date; limit: number; after?: FeedCursor }) {
      const nowIso = now.toISOString();
      const rows = await db.rows<RawExposeRow>(sql`
        select ${EXPOSE_COLUMNS} from exposes
        where (expires_at is null or expires_at > ${nowIso})
          ${after ? sql`and (created_at, id) < (${after.createdAt.toISOString()}, ${after.id})` : sql``}
        order by created_at desc, id desc
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

import { sql } from 'drizzle-orm';
import { engagementRow, engagementUpsert, minuteOf } from './analytics-queries';
import type { SqlExecutor } from './database';
import type { CommentRow, FeedCursor, MetricsStore, NewComment, WriteQueries } from './port';
import { counterWrite, textArray, toDate, toWriteResult, ts, type RawWriteRow } from './sql-helpers';

interface RawCommentRow {
  id: string;
  expose_id: string;
  body: string;
  author_name: string;
  created_at: Date | string;
}

const toCommentRow = (r: RawCommentRow): CommentRow => ({
  id: r.id,
  exposeId: r.expose_id,
  body: r.body,
  authorName: r.author_name,
  createdAt: toDate(r.created_at),
});

export function commentWriteQueries(db: SqlExecutor): Pick<WriteQueries, 'insertComments'> {
  return {
    async insertComments(exposeId: string, comments: readonly NewComment[], opts: { now: Date }) {
      const rows = await db.rows<RawWriteRow>(
        counterWrite({
          exposeId,
          now: opts.now,
          sessionIds: [...new Set(comments.map((c) => c.sessionId))],
          effects: sql`
            ins as (
              insert into comments (id, expose_id, body, author_name, created_at)
              select c.id, e.id, c.body, c.author_name, ${ts(opts.now)}
              from e, unnest(
                ${textArray(comments.map((c) => c.id))},
                ${textArray(comments.map((c) => c.body))},
                ${textArray(comments.map((c) => c.authorName))}) as c(id, body, author_name)
              where e.open
              returning 1
            )`,
          bump: sql`comments = comments + (select count(*) from ins)`,
          changed: sql`exists (select 1 from ins)`,
          history: (id) => engagementUpsert(minuteOf(opts.now), sql`select ${engagementRow(id, 'comments', sql`(select count(*) from ins)`)} from ctr`),
        }),
      );
      return rows[0] ? toWriteResult(rows[0]) : null;
    },
  };
}

export function commentReadQueries(db: SqlExecutor): Pick<MetricsStore, 'listComments'> {
  return {
    async listComments(exposeId: string, opts: { limit: number; after?: FeedCursor }) {
      const rows = await db.rows<RawCommentRow>(sql`
        select id, expose_id, body, author_name, created_at from comments
        where expose_id = ${exposeId}
          ${opts.after ? sql`and (created_at, id) < (${ts(opts.after.createdAt)}, ${opts.after.id})` : sql``}
        order by created_at desc, id desc
        limit ${opts.limit}`);
      return rows.map(toCommentRow);
    },
  };
}

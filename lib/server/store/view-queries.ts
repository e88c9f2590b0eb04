import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ViewOp, WriteQueries } from './port';
import { counterWrite, textArray, toWriteResult, ts, type RawWriteRow } from './sql-helpers';

/**
 * One statement per batch. A viewer is counted when its dedup row is inserted, or an expired one
 * revived (ON CONFLICT … WHERE expires_at <= now); a live row under today's or yesterday's hash
 * means "seen". Concurrent requests of one viewer meet on the primary key: the second waits for
 * the first to commit and then finds the row, so at most one of them is counted.
 */
export function viewQueries(db: SqlExecutor): Pick<WriteQueries, 'applyViews'> {
  return {
    async applyViews(exposeId: string, ops: readonly ViewOp[], opts: { now: Date; until: Date }) {
      // One row per hash (ON CONFLICT may not touch a row twice), sorted so batches lock in one order.
      const byHash = new Map<string, string | null>();
      for (const op of ops) if (!byHash.has(op.viewerHash)) byHash.set(op.viewerHash, op.previousHash);
      const hashes = [...byHash.keys()].sort();
      const rows = await db.rows<RawWriteRow & { counted: string[] | null }>(
        counterWrite({
          exposeId,
          now: opts.now,
          sessionIds: [...new Set(ops.map((o) => o.sessionId))],
          effects: sql`
            ins as (
              insert into view_dedup (expose_id, viewer_hash, expires_at)
              select e.id, i.hash, ${ts(opts.until)}
              from e, unnest(${textArray(hashes)}, ${textArray(hashes.map((h) => byHash.get(h) ?? null))}) as i(hash, prev)
              where e.open and (i.prev is null or not exists (
                select 1 from view_dedup d
                where d.expose_id = e.id and d.viewer_hash = i.prev and d.expires_at > ${ts(opts.now)}))
              order by i.hash
              on conflict (expose_id, viewer_hash) do update set expires_at = excluded.expires_at
                where view_dedup.expires_at <= ${ts(opts.now)}
              returning viewer_hash
            )`,
          bump: sql`views = views + (select count(*) from ins)`,
          changed: sql`exists (select 1 from ins)`,
          extraColumns: sql`, (select array_agg(viewer_hash) from ins) as counted`,
        }),
      );
      const row = rows[0];
      if (!row) return null;
      const inserted = new Set(row.counted ?? []);
      // Of several ops with one hash in a batch, only the first is the counted one.
      const counted = ops.map((op) => inserted.delete(op.viewerHash));
      return { ...toWriteResult(row), counted };
    },
  };
}

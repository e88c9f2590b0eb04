import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { MetricsStore } from './port';
import { textArray, toCounters, type RawCounters } from './sql-helpers';

export function metricsQueries(db: SqlExecutor): Pick<MetricsStore, 'findMetrics'> {
  return {
    async findMetrics(ids, sessionId) {
      if (ids.length === 0) return [];
      const rows = await db.rows<RawCounters & { id: string; vote: number | null }>(sql`
        select e.id, e.views, e.comments, e.upvotes, e.downvotes, e.shares, e.version, v.value as vote
        from exposes e
        left join votes v on v.expose_id = e.id and v.session_id = ${sessionId ?? null}
        where e.id = any(${textArray(ids)})`);
      return rows.map((r) => ({ id: r.id, ...toCounters(r), vote: r.vote === null ? null : Number(r.vote) }));
    },
  };
}

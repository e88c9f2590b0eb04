import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ExperimentStore } from './port';
import { intArray, textArray, toDate, ts } from './sql-helpers';

const num = (v: string | number | null | undefined): number => (v == null ? 0 : Number(v));

/** Experiment states, exposures, per-session outcomes and latency buckets (lib/server/domain/experiments). */
export function experimentQueries(db: SqlExecutor): ExperimentStore {
  return {
    async readExperimentStates() {
      const rows = await db.rows<{ key: string; status: string; weights: number[] | null; started_at: Date | string | null }>(
        sql`select key, status, weights, started_at from experiment_states`,
      );
      return rows.map((r) => ({
        key: r.key,
        status: r.status,
        weights: r.weights,
        startedAt: r.started_at === null ? null : toDate(r.started_at),
      }));
    },

    async writeExperimentState(s, now) {
      await db.rows(sql`
        insert into experiment_states (key, status, weights, started_at, updated_at)
        values (${s.key}, ${s.status}, ${s.weights === null ? null : JSON.stringify(s.weights)}::jsonb,
          ${s.startedAt === null ? null : ts(s.startedAt)}, ${ts(now)})
        on conflict (key) do update set status = excluded.status, weights = excluded.weights,
          started_at = excluded.started_at, updated_at = excluded.updated_at`);
    },

    async insertExposure(e) {
      const rows = await db.rows<{ ok: number }>(sql`
        insert into experiment_sessions (experiment_key, session_id, variant, exposed_at)
        values (${e.experimentKey}, ${e.sessionId}, ${e.variant}, ${ts(e.at)})
        on conflict do nothing
        returning 1 as ok`);
      return rows.length > 0;
    },

    async addExperimentOutcomes(rows) {
      if (rows.length === 0) return 0;
      // Only an exposed session's own row, under the variant it was exposed to, takes outcomes, and
      // only the rows so taken add latency (the join on `taken`): one statement, so a batch counts
      // whole or not at all. Sorted so that concurrent batches lock rows in one order.
      const sorted = [...rows].sort((a, b) => (a.experimentKey + '\n' + a.sessionId < b.experimentKey + '\n' + b.sessionId ? -1 : 1));
      const col = (f: (r: (typeof rows)[number]) => number) => intArray(sorted.map(f));
      const lat = sorted.flatMap((r) => r.latency.filter((l) => l.n > 0).map((l) => ({ ...l, r })));
      const result = await db.rows<{ taken: string | number }>(sql`
        with taken as (
          update experiment_sessions s set
            votes = s.votes + r.votes, shares = s.shares + r.shares, comments = s.comments + r.comments,
            views = s.views + r.views, operations = s.operations + r.operations,
            rolled_back = s.rolled_back + r.rolled_back, retries = s.retries + r.retries
          from unnest(${textArray(sorted.map((r) => r.experimentKey))}, ${textArray(sorted.map((r) => r.sessionId))},
            ${textArray(sorted.map((r) => r.variant))}, ${col((r) => r.votes)}, ${col((r) => r.shares)},
            ${col((r) => r.comments)}, ${col((r) => r.views)}, ${col((r) => r.operations)},
            ${col((r) => r.rolledBack)}, ${col((r) => r.retries)})
            as r(experiment_key, session_id, variant, votes, shares, comments, views, operations, rolled_back, retries)
          where s.experiment_key = r.experiment_key and s.session_id = r.session_id and s.variant = r.variant
          returning s.experiment_key, s.session_id, s.variant
        ),
        latency as (
          insert into experiment_latency (experiment_key, variant, le_ms, n)
          select l.experiment_key, l.variant, l.le_ms, sum(l.n)
          from unnest(${textArray(lat.map((l) => l.r.experimentKey))}, ${textArray(lat.map((l) => l.r.sessionId))},
            ${textArray(lat.map((l) => l.r.variant))}, ${intArray(lat.map((l) => l.leMs))}, ${intArray(lat.map((l) => l.n))})
            as l(experiment_key, session_id, variant, le_ms, n)
          join taken t on t.experiment_key = l.experiment_key and t.session_id = l.session_id and t.variant = l.variant
          group by l.experiment_key, l.variant, l.le_ms
          order by l.experiment_key, l.variant, l.le_ms
          on conflict (experiment_key, variant, le_ms) do update set n = experiment_latency.n + excluded.n
        )
        select count(*) as taken from taken`);
      return num(result[0]?.taken);
    },

    async readExperimentAggregates(experimentKey) {
      const variants = await db.rows<Record<string, string | number | null>>(sql`
        select variant, count(*) as exposures,
          sum(votes) as votes, sum(shares) as shares, sum(comments) as comments, sum(views) as views,
          sum(votes + shares + comments + views) as total,
          sum((votes + shares + comments + views)::bigint * (votes + shares + comments + views)) as total_sq,
          sum(operations) as operations, sum(rolled_back) as rolled_back, sum(retries) as retries
        from experiment_sessions where experiment_key = ${experimentKey} group by variant`);
      const latency = await db.rows<{ variant: string; le_ms: number; n: string | number }>(sql`
        select variant, le_ms, n from experiment_latency where experiment_key = ${experimentKey} order by variant, le_ms`);
      return {
        variants: variants.map((r) => ({
          variant: String(r.variant),
          exposures: num(r.exposures),
          votes: num(r.votes),
          shares: num(r.shares),
          comments: num(r.comments),
          views: num(r.views),
          total: num(r.total),
          totalSquares: num(r.total_sq),
          operations: num(r.operations),
          rolledBack: num(r.rolled_back),
          retries: num(r.retries),
        })),
        latency: latency.map((r) => ({ variant: r.variant, leMs: Number(r.le_ms), n: num(r.n) })),
      };
    },
  };
}

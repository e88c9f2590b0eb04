import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { MetricsStore } from './port';
import { textArray } from './sql-helpers';

/** The audit table (lib/server/domain/audit.ts): added to in one upsert per flush. */
export function auditQueries(db: SqlExecutor): Pick<MetricsStore, 'addAudit' | 'readAudit'> {
  return {
    async addAudit(rows) {
      const sorted = [...rows].sort((a, b) => cmpRow(a, b));
      // Joined to exposes: an id that names no expose (a rate-limited request's body is not
      // validated) is left out instead of failing the whole flush on the foreign key.
      await db.rows(sql`
        insert into expose_audit (expose_id, day, kind, outcome, n)
        select r.expose_id, r.day, r.kind, r.outcome, r.n
        from unnest(${textArray(sorted.map((r) => r.exposeId))}, ${textArray(sorted.map((r) => r.day))},
          ${textArray(sorted.map((r) => r.kind))}, ${textArray(sorted.map((r) => r.outcome))},
          ${sql.param(sorted.map((r) => r.n))}::bigint[]) as r(expose_id, day, kind, outcome, n)
        join exposes e on e.id = r.expose_id
        order by 1, 2, 3, 4
        on conflict (expose_id, day, kind, outcome) do update set n = expose_audit.n + excluded.n`);
    },
    async readAudit(exposeId) {
      const rows = await db.rows<{ day: string; kind: string; outcome: string; n: string | number }>(sql`
        select day, kind, outcome, n from expose_audit where expose_id = ${exposeId} order by day, kind, outcome`);
      return rows.map((r) => ({ exposeId, day: r.day, kind: r.kind, outcome: r.outcome, n: Number(r.n) }));
    },
  };
}

const cmpRow = (a: { exposeId: string; day: string; kind: string; outcome: string }, b: typeof a): number => {
  const ka = `${a.exposeId}\n${a.day}\n${a.kind}\n${a.outcome}`;
  const kb = `${b.exposeId}\n${b.day}\n${b.kind}\n${b.outcome}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

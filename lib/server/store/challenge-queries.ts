import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { WriteQueries } from './port';
import { textArray } from './sql-helpers';

/**
 * A challenge id is claimed by inserting it: the primary key makes a second claim (a replay) find
 * the row, also on another instance. A concurrent claim of the same id waits on the unique index
 * until the first transaction ends, so it sees the id taken, or free again after a rollback.
 */
export function challengeQueries(db: SqlExecutor): Pick<WriteQueries, 'claimChallenges'> {
  return {
    async claimChallenges(claims) {
      if (claims.length === 0) return new Set<string>();
      const sorted = [...claims].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const rows = await db.rows<{ id: string }>(sql`
        insert into used_challenges (id, expires_at)
        select c.id, c.expires_at::timestamptz
        from unnest(${textArray(sorted.map((c) => c.id))}, ${textArray(sorted.map((c) => c.expiresAt.toISOString()))}) as c(id, expires_at)
        on conflict (id) do nothing
        returning id`);
      return new Set(rows.map((r) => r.id));
    },
  };
}

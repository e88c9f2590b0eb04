import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { MetricsStore } from './port';
import { ts } from './sql-helpers';

/** Daily viewer-hash salts, shared by every instance through the table. */
export function saltQueries(db: SqlExecutor): Pick<MetricsStore, 'ensureSalt' | 'findSalt'> {
  const findSalt = async (day: string) => {
    const rows = await db.rows<{ salt: string }>(sql`select salt from view_salts where day = ${day}`);
    return rows[0]?.salt ?? null;
  };
  return {
    findSalt,
    async ensureSalt(day, candidate, opts) {
      // A concurrent insert of the same day makes ours wait for its commit and then do nothing,
      // so the read below (a new statement, a new snapshot) always finds the winner.
      await db.rows(sql`
        insert into view_salts (day, salt, created_at) values (${day}, ${candidate}, ${ts(opts.now)})
        on conflict (day) do nothing`);
      const salt = await findSalt(day);
      if (salt === null) throw new Error(`view salt for ${day} missing right after insert`);
      return salt;
    },
  };
}

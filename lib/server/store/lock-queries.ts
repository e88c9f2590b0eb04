import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { WriteQueries } from './port';
import { textArray } from './sql-helpers';

export function lockQueries(db: SqlExecutor): Pick<WriteQueries, 'lockExposes'> {
  return {
    async lockExposes(exposeIds: readonly string[]) {
      if (exposeIds.length === 0) return;
      await db.rows(sql`select id from exposes where id = any(${textArray([...new Set(exposeIds)])}) order by id for no key update`);
    },
  };
}

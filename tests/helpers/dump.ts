import { sql } from 'drizzle-orm';
import type { Store } from '@/lib/server/store/port';
import { databaseOf } from './databases';

/** Every table of the public schema as JSON text, sorted, so two dumps compare as strings. */
export async function dumpTables(store: Store): Promise<Record<string, string>> {
  const db = databaseOf(store);
  const tables = await db.rows<{ name: string }>(sql`
    select t.table_name as name from information_schema.tables t
    join pg_class c on c.relname = t.table_name and c.relnamespace = 'public'::regnamespace
    -- A partition's rows are its parent's: dumped (and excluded by a caller) under the parent's name.
    where t.table_schema = 'public' and t.table_type = 'BASE TABLE' and not c.relispartition order by t.table_name`);
  const dump: Record<string, string> = {};
  for (const { name } of tables) {
    const rows = await db.rows<{ j: string }>(sql`select row_to_json(t)::text as j from ${sql.identifier(name)} t`);
    dump[name] = rows
      .map((r) => r.j)
      .sort()
      .join('\n');
  }
  return dump;
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { SQL } from 'drizzle-orm';
import type { Database, SqlExecutor } from './database';
import { acquireDirLock } from './dir-lock';
import { MIGRATIONS_DIR } from './migrations-dir';

/**
 * Opens (creating on first use) the embedded database under `dataDir/pglite`. PGlite has no lock of
 * its own and two processes writing one folder lose rows, so we hold a lock file for our lifetime.
 * `dataDir` = null gives an in-memory database (tests).
 */
export async function openPglite(dataDir: string | null): Promise<Database> {
  let release = () => {};
  let client: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = acquireDirLock(path.join(dataDir, 'pglite.lock'));
    try {
      client = await PGlite.create(path.join(dataDir, 'pglite'));
    } catch (err) {
      release();
      throw err;
    }
  } else {
    client = await PGlite.create();
  }
  const db = drizzle({ client });
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });

  type Executor = Pick<typeof db, 'execute'>;
  const executor = (target: Executor): SqlExecutor => ({
    rows: async <T>(query: SQL) => (await target.execute(query)).rows as T[],
  });
  return {
    kind: 'pglite',
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    poolStats: () => ({ total: 1 }),
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

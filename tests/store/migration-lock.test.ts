import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_ID, openPostgres } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import { testDatabases } from '../helpers/databases';

const postgres = testDatabases().find((d) => d.name === 'postgres');
const STATEMENT_TIMEOUT_MS = 300;
const sqlSleep = (ms: number) => sql`select pg_sleep(${ms / 1000})`;

/**
 * Instances that start together queue on the migration advisory lock; a long index build holds it
 * too. Neither may fail start-up because the wait is longer than the request statement timeout.
 */
describe.skipIf(!postgres)('start-up waiting for the migration lock on PostgreSQL', () => {
  let holder: pg.Client;
  let watcher: pg.Client;
  beforeAll(async () => {
    await (await postgres!.open()).close(); // creates and migrates the database
    holder = new pg.Client({ connectionString: postgres!.url });
    watcher = new pg.Client({ connectionString: postgres!.url });
    await Promise.all([holder.connect(), watcher.connect()]);
  });
  afterAll(async () => {
    await Promise.all([holder?.end(), watcher?.end()]);
    await postgres?.cleanup();
  });

  it('waits for another holder longer than the statement timeout, then starts', async () => {
    await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    let failure: unknown;
    const opening = openPostgres({ url: postgres!.url!, poolSize: 2, connectTimeoutMs: 2000, statementTimeoutMs: STATEMENT_TIMEOUT_MS })
      .catch((err: unknown) => {
        failure = err;
        return undefined;
      });
    // Held until the starting instance has waited ten statement timeouts (a condition on the server).
    for (;;) {
      if (failure) throw failure;
      const { rows } = await watcher.query<{ waited: number }>(
        `select extract(epoch from now() - a.query_start) * 1000 as waited
           from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.objid = $1 and not l.granted`,
        [MIGRATION_LOCK_ID],
      );
      if (rows[0] && Number(rows[0].waited) > 10 * STATEMENT_TIMEOUT_MS) break;
    }
    await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    const db = await opening;
    expect(failure).toBeUndefined();
    const store = createStore(db!);
    try {
      await store.ping();
      // The pool's own queries keep the statement timeout.
      await expect(db!.rows(sqlSleep(STATEMENT_TIMEOUT_MS * 3))).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});

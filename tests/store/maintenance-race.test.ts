import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@/lib/server/store/port';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const T0 = new Date('2031-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const postgres = testDatabases().find((d) => d.name === 'postgres');

/**
 * A maintenance chunk selects expired rows in its snapshot and then deletes them; a row revived
 * by a concurrent transaction in between must survive. Needs a real server: the
 * delete has to wait on the other transaction's row lock.
 */
describe.skipIf(!postgres)('maintenance against concurrent writes on PostgreSQL', () => {
  let store: Store;
  let other: pg.Client;
  // Outside any transaction: pg_stat_activity is read once per transaction.
  let watcher: pg.Client;
  beforeAll(async () => {
    store = await postgres!.open();
    other = new pg.Client({ connectionString: postgres!.url });
    watcher = new pg.Client({ connectionString: postgres!.url });
    await Promise.all([other.connect(), watcher.connect()]);
  });
  afterAll(async () => {
    await Promise.all([other?.end(), watcher?.end()]);
    await postgres?.cleanup();
  });

  /** Resolves once some session of the app waits for a row lock (no sleeps: polls the server). */
  const lockWaiter = async () => {
    for (let i = 0; i < 2_000; i++) {
      const { rows } = await watcher.query(
        `select 1 from pg_stat_activity where application_name = 'expose-corner' and wait_event_type = 'Lock'`,
      );
      if (rows.length > 0) return;
    }
    throw new Error('the maintenance delete never waited for the row lock');
  };

  it.each([
    [
      'a view de-dup row revived while the chunk ran',
      `insert into view_dedup (expose_id, viewer_hash, expires_at, day) values ($1, 'r', '${T0.toISOString()}', '${new Date(T0.getTime() - DAY).toISOString().slice(0, 10)}')`,
      `update view_dedup set expires_at = '${new Date(T0.getTime() + DAY).toISOString()}' where viewer_hash = 'r'`,
      `select 1 from view_dedup where viewer_hash = 'r'`,
    ],
  ])('keeps %s', async (_what, insert, revive, check) => {
    const id = await seedExpose(store);
    await other.query(insert, [id]);
    await other.query('begin');
    await other.query(revive);
    const deleting = store.deleteExpired({ dedupBefore: T0, saltsBeforeDay: '2000-01-01', idempotencyBefore: new Date(T0.getTime() - DAY) });
    await lockWaiter();
    await other.query('commit');
    await deleting;
    expect((await other.query(check)).rows).toHaveLength(1);
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyVoteBatch } from '@/lib/server/domain/record-vote';
import type { Database } from '@/lib/server/store/database';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const T0 = new Date('2031-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const postgres = testDatabases().find((d) => d.name === 'postgres');

interface PreparedRow {
  name: string;
  statement: string;
  calls: string | number;
}

// A pool of ONE connection, so every query below meets the same server session and its
// pg_prepared_statements shows what that connection has prepared.
describe.skipIf(!postgres)('prepared statements on PostgreSQL', () => {
  let db: Database;
  let store: Store;
  beforeAll(async () => {
    await postgres!.open(); // creates and migrates the test database
    db = postgresDatabase(createPool({ url: postgres!.url!, poolSize: 1, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }));
    store = createStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await postgres?.cleanup();
  });

  const prepared = async (fragment: string): Promise<{ name: string; calls: number }[]> => {
    const rows = await db.rows<PreparedRow>(sql`
      select name, statement, generic_plans + custom_plans as calls from pg_prepared_statements`);
    return rows.filter((r) => r.statement.includes(fragment)).map((r) => ({ name: r.name, calls: Number(r.calls) }));
  };

  it('prepares a query once per connection and reuses it for other values', async () => {
    const a = await seedExpose(store);
    const b = await seedExpose(store);
    await store.findMetrics([a], 's1');
    await store.findMetrics([a, b], 's2');
    expect(await prepared('left join votes v on v.expose_id = e.id')).toEqual([{ name: expect.stringMatching(/^ec_/), calls: 2 }]);
  });

  it('runs a 1-view batch and a 3-view batch through the same statement', async () => {
    const id = await seedExpose(store);
    const view = (h: string) => ({ sessionId: `s_${h}`, viewerHash: h, previousHash: null });
    await store.applyViews(id, [view('h1')], { now: T0, until: new Date(T0.getTime() + DAY) });
    await store.applyViews(id, [view('h2'), view('h3'), view('h4')], { now: T0, until: new Date(T0.getTime() + DAY) });
    expect(await prepared('insert into view_dedup')).toEqual([{ name: expect.stringMatching(/^ec_/), calls: 2 }]);
    expect((await store.findExpose(id))!.views).toBe(4);
  });

  it('runs both vote statements of a 1-vote and a 3-vote batch as the same two statements, inside transactions', async () => {
    const id = await seedExpose(store);
    const deps = { store, now: () => T0 };
    await applyVoteBatch(deps, id, [{ sessionId: 'v1', value: 1 }]);
    await applyVoteBatch(deps, id, [
      { sessionId: 'v2', value: 1 },
      { sessionId: 'v3', value: -1 },
      { sessionId: 'v4', value: 1 },
    ]);
    expect(await prepared('insert into votes')).toEqual([{ name: expect.stringMatching(/^ec_/), calls: 2 }]);
    expect(await prepared('update votes set value')).toEqual([{ name: expect.stringMatching(/^ec_/), calls: 2 }]);
    expect(await store.findExpose(id)).toMatchObject({ upvotes: 3, downvotes: 1 });
  });

  it('gives the feed votes lookup one statement for any page size', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => seedExpose(store)));
    await store.findVotes('s', ids.slice(0, 1));
    await store.findVotes('s', ids);
    expect(await prepared('select expose_id, value from votes')).toEqual([{ name: expect.stringMatching(/^ec_/), calls: 2 }]);
  });

  it('rolls a failed transaction back and keeps the connection usable', async () => {
    const id = await seedExpose(store);
    await expect(
      store.transaction(async (tx) => {
        await tx.applyShares(id, [{ sessionId: 's', channel: 'x' }], { now: T0 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.findExpose(id))!.shares).toBe(0);
  });
});

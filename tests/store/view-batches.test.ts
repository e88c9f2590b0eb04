import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { ExposeViewOp, Store } from '@/lib/server/store/port';
import { testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

const postgres = testDatabases().find((d) => d.name === 'postgres');
const T0 = new Date('2031-01-01T00:00:00.000Z');
const DAY = 86_400_000;

/**
 * View batches spanning exposes, from two processes at once (two pools, as two instances would
 * have): batches that overlap in exposes and viewers, in opposite orders, must neither deadlock
 * nor count a viewer twice (de-dup rows are written in (expose, hash) order: view-queries.ts).
 */
describe.skipIf(!postgres)('view batches across exposes from two pools on PostgreSQL', () => {
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = await postgres!.open();
    const pool = createPool({ url: postgres!.url!, poolSize: 8, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
    b = createStore(postgresDatabase(pool));
  });
  afterAll(async () => {
    await b?.close();
    await postgres?.cleanup();
  });

  it('count every viewer once per expose, without deadlocks', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => seedExpose(a)));
    // 40 batches, each over all exposes, half in reversed order; viewers overlap across batches.
    const batch = (n: number): ExposeViewOp[] => {
      const order = n % 2 ? [...ids].reverse() : ids;
      return order.flatMap((exposeId) =>
        Array.from({ length: 5 }, (_, k) => ({ exposeId, sessionId: `s${n}`, viewerHash: `v${(n * 3 + k) % 30}`, previousHash: null })),
      );
    };
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) => (n % 2 ? b : a).applyViewsAcross(batch(n), { now: T0, until: new Date(T0.getTime() + DAY) })),
    );
    const counted = results.reduce((sum, r) => sum + r.counted.filter(Boolean).length, 0);
    // 30 distinct viewers appear across the batches, on every expose.
    expect(counted).toBe(30 * ids.length);
    for (const id of ids) expect((await metricsOf(a, id)).views).toBe(30);
  });
});

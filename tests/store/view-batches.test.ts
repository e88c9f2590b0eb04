import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyViewBatch } from '@/lib/server/domain/record-view';
import { applyVoteBatchAcross } from '@/lib/server/domain/record-vote';
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
 * nor count a viewer twice. Locks are taken in expose id order (view-queries.ts).
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
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => applyViewBatch({ store: n % 2 ? b : a, now: () => T0 }, batch(n))));
    const counted = results.flat().filter((r) => 'counted' in r && r.counted).length;
    // 30 distinct viewers appear across the batches, on every expose.
    expect(counted).toBe(30 * ids.length);
    for (const id of ids) expect((await metricsOf(a, id)).views).toBe(30);
  });

  // Vote batches insert vote rows (their foreign key holds KEY SHARE on the expose) and then lock
  // the exposes; view batches lock the exposes, both through lockExposes, in one order, before
  // writing. Without it (or with FOR UPDATE, which KEY SHARE blocks) these deadlocked.
  it('run next to vote batches on the same exposes without errors, counting exactly', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => seedExpose(a)));
    const now = new Date(T0.getTime() + 1000);
    const work = Array.from({ length: 60 }, (_, n) => {
      const store = n % 2 ? b : a;
      const order = n % 4 < 2 ? ids : [...ids].reverse();
      if (n % 3 === 0) {
        return applyViewBatch(
          { store, now: () => now },
          order.map((exposeId) => ({ exposeId, sessionId: `v${n}`, viewerHash: `mixed${n}`, previousHash: null })),
        );
      }
      return applyVoteBatchAcross(
        { store, now: () => now },
        order.map((exposeId) => ({ exposeId, sessionId: `voter${n}`, value: 1 as const })),
      );
    });
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    for (const id of ids) expect(await metricsOf(a, id)).toMatchObject({ views: 20, upvotes: 40 });
  });
});

import type { SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExposes } from '@/lib/server/domain/exposes';
import { readMetrics } from '@/lib/server/domain/read-metrics';
import type { Database, SqlExecutor } from '@/lib/server/store/database';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';
import { databaseOf, testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

/** The store over a Database that counts the statements it runs. */
function counted(db: Database) {
  let n = 0;
  const wrap = (target: SqlExecutor): SqlExecutor => ({
    rows: <T>(query: SQL) => {
      n++;
      return target.rows<T>(query);
    },
  });
  const store = createStore({ ...db, ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) });
  /** Statements since the last call. */
  const take = () => {
    const seen = n;
    n = 0;
    return seen;
  };
  return { store, take };
}

// No N+1: the feed is one statement for the page (counters are columns of exposes) plus at most one
// for the caller's votes on it, whatever the page size.
for (const database of testDatabases()) {
  describe(`feed statements on ${database.name}`, () => {
    let store: Store;
    let ids: string[];
    beforeAll(async () => {
      store = await database.open();
      ids = [];
      for (let i = 0; i < 60; i++) ids.push(await seedExpose(store));
      await store.applyViews(ids[0]!, [{ sessionId: 's', viewerHash: 'h', previousHash: null }], {
        now: new Date(),
        until: new Date(Date.now() + 60_000),
      });
    });
    afterAll(async () => {
      await database.cleanup();
    });

    it('reads a page of 50 with metrics and votes in two statements, one without a session', async () => {
      const c = counted(databaseOf(store));
      const deps = { store: c.store, now: () => new Date() };
      const page = await listExposes(deps, { limit: 50, sessionId: 's' });
      expect(page.exposes).toHaveLength(50);
      expect(c.take()).toBe(2);
      await listExposes(deps, { limit: 50 });
      expect(c.take()).toBe(1);
      const rest = await listExposes(deps, { limit: 50, sessionId: 's', cursor: page.nextCursor! });
      expect(c.take()).toBe(2);
      // The counters come with the page rows (the viewed expose is on one of the two pages).
      const all = [...page.exposes, ...rest.exposes];
      expect(all).toHaveLength(60);
      expect(all.find((e) => e.exposeId === ids[0])?.metrics.views).toBe(1);
    });

    it('reads metrics of many ids (with the caller’s votes) in one statement', async () => {
      const c = counted(databaseOf(store));
      expect((await readMetrics({ store: c.store }, ids, 's')).items).toHaveLength(60);
      expect(c.take()).toBe(1);
    });
  });
}

import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

const JSON_HEADERS = { 'content-type': 'application/json' };
const QUEUE_MAX = 10;
const EXCESS = 20;
const nextTurn = () => new Promise((r) => setImmediate(r));

/**
 * Load shedding on a slow database: another transaction holds the expose's row lock
 * (`select … for update`), so the vote and view batches that reach it wait. Writes beyond
 * WRITE_QUEUE_MAX are refused at once and queued ones are refused at WRITE_DEADLINE_MS, all with
 * 503 + Retry-After while the lock is still held; after it is released, the counters equal exactly
 * the writes that were acknowledged (a refused write is never committed later).
 */
for (const database of testDatabases()) {
  describe(`load shedding on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        env: { RATE_LIMITS: '0', WRITE_QUEUE_MAX: String(QUEUE_MAX), WRITE_DEADLINE_MS: '1000' },
        overrides: { maintenance: false },
      });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    let viewer = 0;
    const vote = () =>
      t.app.inject({ method: 'POST', url: '/api/expose/vote', headers: JSON_HEADERS, payload: { exposeId: id, voteType: 'upvote' } });
    const view = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/expose/views',
        headers: { ...JSON_HEADERS, 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36 v/${viewer++}` },
        payload: { exposeId: id },
      });
    let id: string;

    /** Another transaction holds the expose's row lock until released (PGlite: the whole database). */
    const holdRowLock = async (exposeId: string) => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = databaseOf(t.container.store).transaction(async (tx) => {
        await tx.rows(sql`select id from exposes where id = ${exposeId} for update`);
        locked();
        await released;
      });
      await Promise.race([isLocked, holder]);
      return {
        async release() {
          release();
          await holder;
        },
      };
    };

    it('answers excess votes and views with 503 + Retry-After while the row is locked, and commits only what it acknowledged', async () => {
      id = await seedExpose(t.container.store);
      // The viewer hash's daily salt is read once and cached; read it before the database slows down.
      expect((await view()).statusCode).toBe(200);
      const lock = await holdRowLock(id);
      let first: Promise<LightMyRequestResponse>[] = [];
      const shed: LightMyRequestResponse[] = [];
      try {
        // One vote and one view start their batches and wait on the lock.
        first = [vote(), view()];
        await vi.waitFor(() => expect(t.container.hotWrites.pendingCount()).toBe(2));
        await nextTurn();
        await nextTurn();
        const excess: Promise<LightMyRequestResponse>[] = [];
        for (let i = 0; i < EXCESS; i++) excess.push(vote(), view());
        // all answered while the lock is still held: refused at once (queue full) or at the deadline
        shed.push(...(await Promise.all(excess)));
        for (const res of shed) {
          expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status: 503, code: 'unavailable' });
          expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
        expect(t.container.hotWrites.pendingCount()).toBe(2);
      } finally {
        await lock.release();
      }

      const started = await Promise.all(first);
      const after = await Promise.all([vote(), vote(), view(), view()]);
      const all = [...started, ...shed, ...after];
      const acked = (url: string) => all.filter((r) => r.statusCode === 200 && r.json().exposeId === id && url === kindOf(r)).length;
      const m = await metricsOf(t.container.store, id);
      expect({ upvotes: m.upvotes, views: m.views }).toEqual({ upvotes: acked('vote'), views: acked('view') + 1 });
      // the batches that had started before the lock was released are committed, not shed
      expect(started.map((r) => r.statusCode)).toEqual([200, 200]);
      expect(acked('vote')).toBe(3);
      expect(acked('view')).toBe(3);
      expect(t.container.hotWrites.pendingCount()).toBe(0);
    });
  });
}

/** A vote reply carries `myVote`; a view reply carries `counted`. */
const kindOf = (r: LightMyRequestResponse) => ('counted' in r.json() ? 'view' : 'vote');

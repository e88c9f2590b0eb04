import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '@/lib/server/store/open-pglite';
import { openPostgres } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';
import { testDatabases } from '../helpers/databases';
import { sigtermUnderLoad } from '../helpers/drain-scenario';
import { startServer } from '../helpers/server-process';

const SECRET = randomBytes(32).toString('hex');
/** Far above what a drain takes: exiting 0 proves the drain finished before the force timer (exit 1). */
const SHUTDOWN_TIMEOUT_MS = '20000';

for (const database of testDatabases()) {
  describe(`SIGTERM drains the API server (${database.name})`, () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ec-drain-'));
    afterAll(async () => {
      await database.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** The store the server wrote to, opened after it exited (PGlite's lock is released by then). */
    const reopen = async (): Promise<Store> =>
      database.url
        ? createStore(await openPostgres({ url: database.url, poolSize: 2, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }))
        : createStore(await openPglite(dataDir));

    it('answers what is in flight, ends streams, refuses newcomers with 503 JSON, closes the store and exits 0', async () => {
      if (database.url) await (await database.open()).close(); // creates the database
      const env = {
        PORT: '0',
        SEED_DEMO: '0',
        RATE_LIMITS: '0',
        // every vote of the burst comes from 127.0.0.1: the per-IP cap must not decide the count
        FREE_VOTES_PER_IP: '1000000',
        MAX_VOTES_PER_IP: '1000000',
        SHUTDOWN_TIMEOUT_MS,
        ...(database.url ? { DATABASE_URL: database.url, SESSION_SECRET: SECRET } : { DATA_DIR: dataDir }),
      };
      const server = await startServer(process.execPath, ['--import', 'tsx', 'tests/helpers/api-server.ts'], env);
      try {
        const seen = await sigtermUnderLoad(server);
        expect([seen.idleStatus, seen.continueStatus]).toEqual([200, 100]);
        // A request arriving while draining gets the API's own 503, and its connection closes after it.
        expect(seen.refused.status).toBe(503);
        expect(JSON.parse(seen.refused.body)).toMatchObject({ error: { code: 'unavailable' } });
        expect(Number(seen.refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(seen.refused.headers.connection).toBe('close');
        // The in-flight write is answered after its commit.
        expect(seen.viewed.status).toBe(200);
        expect(JSON.parse(seen.viewed.body)).toMatchObject({ counted: true, metrics: { views: 1 } });
        expect(seen.burst.every((s) => [0, 200, 503].includes(s))).toBe(true);
        const acknowledged = seen.burst.filter((s) => s === 200).length;
        // The stalled request did not hold the exit: 0, not the force timer's 1.
        expect(seen.exit).toEqual({ code: 0, signal: null });
        const exposeId = seen.exposeId;

        const store = await reopen();
        try {
          const row = await store.findExpose(exposeId);
          expect({ views: row?.views, upvotes: row?.upvotes, downvotes: row?.downvotes }).toEqual({
            views: 1,
            upvotes: acknowledged,
            downvotes: 0,
          });
        } finally {
          await store.close();
        }
      } finally {
        server.child.kill('SIGKILL');
      }
    }, 90_000);
  });
}

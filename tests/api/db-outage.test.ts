import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';
import { startTcpProxy, type TcpProxy } from '../live/tcp-proxy';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { signedInVisitor, type Visitor } from '../helpers/http';
import {
  bodyOf,
  countsInDatabase,
  expectedCounts,
  failuresSince,
  pathOf,
  startRetryingClients,
  waitFor,
} from '../helpers/retrying-clients';

const postgres = testDatabases().find((d) => d.name === 'postgres');
const CLIENTS = 8;
const OUTAGE_MS = 3_000;
/**
 * After the database returns, each pending write is acknowledged by its first retry, which comes
 * at most one Retry-After (1 s for a 503) after the return; measured 50-200 ms, up to ~1.1 s
 * depending on where the clients' waits fall. With claims that outlived their requests (the old
 * 15 s stale-claim takeover) it was ~12 s. The bound leaves room for a slow shared machine.
 */
const RECOVERY_BOUND_MS = 2_000;

/**
 * PostgreSQL is cut for 3 s (every connection dropped, new ones refused by a TCP proxy) while
 * clients send keyed shares and comments and retry them until acknowledged.
 */
describe.skipIf(!postgres)('a 3 s PostgreSQL outage under keyed writes', () => {
  const config = loadConfig({});
  let direct: Store;
  let proxy: TcpProxy;
  let appStore: Store;
  let t: TestApp;
  let admin: pg.Client;
  beforeAll(async () => {
    direct = await postgres!.open();
    proxy = await startTcpProxy(new URL(postgres!.url!));
    const pool = createPool({
      url: proxy.url,
      poolSize: 10,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    });
    appStore = createStore(postgresDatabase(pool));
    t = await createTestApp(appStore, { overrides: { rateLimitsEnabled: false, maintenance: false } });
    admin = new pg.Client({ connectionString: postgres!.url });
    await admin.connect();
  });
  afterAll(async () => {
    await t?.close();
    await appStore?.close().catch(() => {});
    await proxy?.close();
    await admin?.end();
    await postgres?.cleanup();
  });

  it('counts every write exactly once and acknowledges the last one soon after the database returns', async () => {
    const exposeIds = await Promise.all(Array.from({ length: 4 }, () => seedExpose(direct)));
    const visitors: Visitor[] = await Promise.all(Array.from({ length: CLIENTS }, () => signedInVisitor(t.app)));
    const clients = startRetryingClients({
      clients: CLIENTS,
      exposeIds,
      runId: 'outage',
      async send(client, write) {
        const res = await visitors[client]!.post(pathOf(write), bodyOf(write), { 'idempotency-key': write.key });
        const retryAfter = res.headers['retry-after'];
        return {
          status: res.statusCode,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          code: res.statusCode >= 400 ? (res.json() as { error: { code: string } }).error.code : undefined,
        };
      },
    });

    await waitFor(() => clients.acknowledged() >= 40, 'writes before the outage');
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS)); // the outage itself
    proxy.restore();
    const returnedAt = performance.now();
    await clients.stop();

    const lastAck = Math.max(...clients.writes.map((w) => w.ackedAt!));
    const recoveryMs = Math.round(lastAck - returnedAt);
    const failedAttempts = clients.writes.flatMap((w) => w.statuses).filter((s) => s !== 200 && s !== 201);
    console.log(
      `[db-outage] ${clients.writes.length} writes, ${failedAttempts.length} failed attempts ` +
        `(${[...new Set(failedAttempts)].join(', ')}); last acknowledged ${recoveryMs} ms after the database returned`,
    );
    // The outage was real: writes were in flight or sent while it lasted.
    expect(failedAttempts).toContain(503);
    const counts = await countsInDatabase(async (text) => (await admin.query(text)).rows);
    expect(counts).toEqual(expectedCounts(clients.writes));
    // Once the database is back, the first retry of every write succeeds: nothing a dead
    // request left behind (a claim) turns it away.
    expect(failuresSince(clients.writes, returnedAt)).toEqual([]);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
  });
});

import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { emptyMetrics } from '@/lib/contracts/metrics';
import { startMaintenance } from '@/lib/server/domain/maintenance';
import { createRedisBus } from '@/lib/server/live/redis-bus';
import { createTelemetry } from '@/lib/server/observability/telemetry';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import { sqlStateClass } from '@/lib/server/store/query-timing';
import { createTestApp, type TestApp } from '../helpers/app';
import { databaseOf, testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS, visitor } from '../helpers/http';
import { sample } from '../helpers/prometheus';
import { waitFor } from '../helpers/raw-http';
import { openSse } from '../live/sse-client';

const REDIS_URL = process.env.TEST_REDIS_URL;
const apps: TestApp[] = [];
const scrapeOf = async (t: TestApp) => (await t.app.inject({ method: 'GET', url: '/api/metrics' })).body;

afterAll(async () => {
  for (const t of apps.splice(0)) await t.close().catch(() => {});
});

for (const database of testDatabases()) {
  describe(`series beyond the request counters on ${database.name}`, () => {
    afterAll(() => database.cleanup());

    it('names a real database error by its SQLSTATE class', async () => {
      const store = await database.open();
      const err = await databaseOf(store).rows(sql`select 1 / 0`).catch((e: unknown) => e);
      expect(sqlStateClass(err)).toBe('22'); // 22012 division_by_zero
    });

    it('counts rate-limit rejections by action', async () => {
      const t = await createTestApp(await database.open(), { overrides: { maintenance: false } });
      apps.push(t);
      const login = () =>
        t.app.inject({ method: 'POST', url: '/api/admin/login', headers: JSON_HEADERS, payload: '{"token":"x"}', remoteAddress: '198.51.100.1' });
      for (let i = 0; i < 10; i++) expect((await login()).statusCode).toBe(403);
      expect((await login()).statusCode).toBe(429);
      expect(sample(await scrapeOf(t), 'ec_rate_limit_rejections_total', { action: 'adminLogin' })).toBe(1);
    });

    it('reports open streams, events sent and the delivery lag of live updates', async () => {
      const t = await createTestApp(await database.open(), { overrides: { maintenance: false, rateLimitsEnabled: false } });
      apps.push(t);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const id = await seedExpose(t.container.store);
      const sse = await openSse((t.app.server.address() as AddressInfo).port, `ids=${id}`);
      try {
        await sse.waitFor((c) => c.events().length === 1);
        await visitor(t.app).post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
        await sse.waitFor((c) => c.events().some((e) => e.metrics.upvotes === 1));
        const scrape = await scrapeOf(t);
        expect(sample(scrape, 'ec_live_streams_open')).toBe(1);
        expect(sample(scrape, 'ec_live_events_sent_total')).toBe(2);
        expect(sample(scrape, 'ec_live_delivery_lag_seconds_count', { source: 'local' })).toBe(1);
      } finally {
        sse.close();
      }
      await sse.ended;
      await waitFor('stream closed', async () => (sample(await scrapeOf(t), 'ec_live_streams_open') === 0 ? true : undefined));
    });

    it('counts maintenance runs and the rows they delete', async () => {
      const store = await database.open();
      const telemetry = createTelemetry({ defaultMetrics: false });
      const stop = startMaintenance({ store, now: () => new Date() }, { intervalMs: 20, probe: telemetry.maintenance, log: { error: () => {} } });
      try {
        await waitFor('a maintenance run', async () =>
          (sample(await telemetry.scrape(), 'ec_maintenance_runs_total', { result: 'ok' }) ?? 0) >= 1 ? true : undefined,
        );
      } finally {
        await stop();
      }
      expect(sample(await telemetry.scrape(), 'ec_maintenance_deleted_rows_total', { table: 'viewDedup' })).toBe(0);
    });
  });
}

describe('database unreachable', () => {
  it('counts connection errors and unavailable writes', async () => {
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/expose', poolSize: 2, connectTimeoutMs: 1000, statementTimeoutMs: 1000 });
    const t = await createTestApp(createStore(postgresDatabase(pool)), { overrides: { maintenance: false, rateLimitsEnabled: false } });
    apps.push(t);
    const res = await visitor(t.app).post('/api/expose/vote', { exposeId: 'abc', voteType: 'upvote' });
    expect(res.statusCode).toBe(503);
    const scrape = await scrapeOf(t);
    expect(sample(scrape, 'ec_db_errors_total', { class: 'connection' })).toBeGreaterThanOrEqual(1);
    expect(sample(scrape, 'ec_writes_total', { kind: 'vote', outcome: 'unavailable' })).toBe(1);
    expect(sample(scrape, 'ec_db_pool_connections')).toBe(0);
  });
});

describe.skipIf(!REDIS_URL)('Redis connections', () => {
  it('measures the delivery lag of changes that crossed Redis from another instance', async () => {
    const channel = `ec:test:${randomBytes(6).toString('hex')}`;
    const telemetry = createTelemetry({ defaultMetrics: false });
    const a = createRedisBus({ url: REDIS_URL!, channel });
    const b = createRedisBus({ url: REDIS_URL!, channel, probe: telemetry.live });
    try {
      const got: number[] = [];
      b.subscribe(['x'], (s) => got.push(s.version));
      await waitFor('both buses connected', async () =>
        a.connections?.().publish && b.connections?.().subscribe ? true : undefined,
      );
      // The subscription is live once a publish gets through; each try has a higher version.
      let version = 0;
      await waitFor('an event from the other instance', async () => {
        a.publish({ exposeId: 'x', version: ++version, metrics: emptyMetrics() });
        return got.length > 0 ? true : undefined;
      });
      const scrape = await telemetry.scrape();
      expect(sample(scrape, 'ec_live_delivery_lag_seconds_count', { source: 'redis' })).toBeGreaterThanOrEqual(1);
      expect(sample(scrape, 'ec_live_delivery_lag_seconds_count', { source: 'local' })).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reports each Redis connection as up', async () => {
    const [database] = testDatabases();
    const t = await createTestApp(await database!.open(), { env: { REDIS_URL: REDIS_URL! }, overrides: { maintenance: false } });
    apps.push(t);
    try {
      await waitFor('Redis ready', async () => {
        const s = await scrapeOf(t);
        const up = ['commands', 'publish', 'subscribe'].map((connection) => sample(s, 'ec_redis_up', { connection }));
        return up.every((v) => v === 1) ? true : undefined;
      });
    } finally {
      await t.container.bus.close();
      await database!.cleanup();
    }
  });
});

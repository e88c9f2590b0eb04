import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot } from '@/lib/server/live/bus';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases, type TestDatabase } from '../helpers/databases';
import { openSse } from './sse-client';

const REDIS = process.env.TEST_REDIS_URL;
const postgres = (): TestDatabase | undefined => testDatabases().find((d) => d.name === 'postgres');

// Two instances as production runs them: one PostgreSQL, one Redis, the bus chosen by REDIS_URL.
describe.skipIf(!REDIS || !process.env.TEST_DATABASE_URL)('two instances sharing PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let one: TestApp;
  let two: TestApp;
  let portTwo: number;

  beforeAll(async () => {
    database = postgres()!;
    const env = { REDIS_URL: REDIS!, SESSION_SECRET: 's'.repeat(40) };
    const overrides = { rateLimitsEnabled: false, maintenance: false };
    one = await createTestApp(await database.open(), { env, overrides });
    two = await createTestApp(await database.open(), { env, overrides });
    await two.app.listen({ port: 0, host: '127.0.0.1' });
    portTwo = (two.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const t of [one, two]) {
      await t?.app.close();
      await t?.container.bus.close();
      t?.container.redis?.disconnect();
    }
    await database?.cleanup();
  });

  it('a change committed on instance 1 reaches a stream on instance 2', async () => {
    const exposeId = `two-${process.pid}-${Date.now()}`;
    await one.container.store.insertExpose({ id: exposeId, title: 't', body: 'b', expiresAt: null });
    const c = await openSse(portTwo, `ids=${exposeId}`);
    expect(c.status).toBe(200);
    await c.waitFor((x) => x.events().find((e) => e.exposeId === exposeId));

    // Instance 2 subscribed to Redis when it started, but that is asynchronous: vote until it arrives.
    let committed: MetricsSnapshot | undefined;
    let vote = 0;
    await vi.waitFor(
      async () => {
        const res = await one.app.inject({
          method: 'POST',
          url: '/api/expose/vote',
          headers: { 'content-type': 'application/json' },
          payload: { exposeId, voteType: ++vote % 2 ? 'upvote' : 'none' },
        });
        committed = res.json() as MetricsSnapshot;
        publishSnapshot(one.container.bus, committed);
        await c.waitFor((x) => x.events().some((e) => e.exposeId === exposeId && e.version === committed!.version), 300);
      },
      { timeout: 10_000, interval: 10 },
    );
    const last = c.events().at(-1)!;
    expect(last).toEqual({ exposeId, version: committed!.version, metrics: committed!.metrics });
    expect(two.container.bus.listenerCount()).toBe(1);
    c.close();
    await vi.waitFor(() => expect(two.container.bus.listenerCount()).toBe(0));
  });
});

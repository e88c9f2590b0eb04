import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

// A real, full collection before each heap reading (the flag can be set at run time).
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const REQUESTS = 50_000;
const MB = 1024 * 1024;

/**
 * The rate limiter must not be a memory sink: requests without a session cookie each get a fresh
 * session id, so a window keyed by it would keep one entry (and one timer) per request for its
 * whole duration. 50,000 cookie-less requests from one address must leave the limiter with a
 * bounded footprint: the IP window is checked first, and no session entry is made for a session
 * that was only just created.
 */
describe('rate limiter memory under cookie-less requests', () => {
  const database = testDatabases()[0]!;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await database.open(), { overrides: { maintenance: false } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    agent.destroy();
    await t.close();
    await database.cleanup();
  });

  // Real HTTP over keep-alive sockets: app.inject itself keeps ~10 KB per request alive here,
  // which would swamp what is measured.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const send = () =>
    new Promise<number>((resolve, reject) => {
      const { port } = t.app.server.address() as AddressInfo;
      http
        .get({ host: '127.0.0.1', port, path: '/api/expose/metrics?ids=nope', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });

  it(`keeps the heap within a few MB after ${REQUESTS} requests from one IP`, async () => {
    // Warm up: compiled routes, schemas and the first limiter entries are not the limiter's growth.
    for (let i = 0; i < 200; i++) await send();
    const before = heapUsed();
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, send));
      for (const status of batch) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const grown = heapUsed() - before;
    // the IP window did its job: most of them were refused
    expect(statuses.get(429)).toBeGreaterThan(REQUESTS / 2);
    expect(grown / MB).toBeLessThan(3);
  }, 120_000);
});

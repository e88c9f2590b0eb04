import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

const overrides = { rateLimitsEnabled: false, maintenance: false };

for (const database of testDatabases()) {
  describe(`health endpoints (${database.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('live, ready and /api/health answer 200 while serving', async () => {
      for (const url of ['/api/health/live', '/api/health/ready', '/api/health']) {
        const res = await t.app.inject({ method: 'GET', url });
        expect([url, res.statusCode, res.json()]).toEqual([url, 200, { ok: true }]);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    // Runs last: the drain cannot be undone.
    it('while draining: readiness and every other request get 503 unavailable with Retry-After; liveness stays 200', async () => {
      t.container.drain.begin();
      for (const [method, url] of [
        ['GET', '/api/health/ready'],
        ['GET', '/api/health'],
        ['GET', '/api/exposes'],
        ['POST', '/api/expose/vote'],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: method === 'POST' ? '{}' : undefined });
        expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 503, 'unavailable']);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      const live = await t.app.inject({ method: 'GET', url: '/api/health/live' });
      expect([live.statusCode, live.json()]).toEqual([200, { ok: true }]);
    });
  });
}

describe('health with the database unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 1: a refused database.
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/x', poolSize: 1, connectTimeoutMs: 500, statementTimeoutMs: 500 });
    t = await createTestApp(createStore(postgresDatabase(pool)), { overrides });
  });
  afterAll(async () => {
    await t.close();
    await t.container.store.close().catch(() => {});
  });

  it('liveness touches no database (200); readiness and /api/health are 503 unavailable', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/health/live' })).statusCode).toBe(200);
    for (const url of ['/api/health/ready', '/api/health']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 503, 'unavailable']);
    }
  });
});

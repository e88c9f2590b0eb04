import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import { createTestApp, type TestApp } from '../helpers/app';
import { visitor } from '../helpers/http';

/** A TCP server that accepts connections and never answers: a database that hangs. */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const config = loadConfig({});
const requests: [string, (v: ReturnType<typeof visitor>) => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): { error: { code: string } } }>][] = [
  ['GET /api/health', (v) => v.get('/api/health')],
  ['POST /api/expose/vote', (v) => v.post('/api/expose/vote', { exposeId: 'abc', voteType: 'upvote' })],
  ['POST /api/expose/views', (v) => v.post('/api/expose/views', { exposeId: 'abc' })],
  ['POST /api/expose/share with a key', (v) => v.post('/api/expose/share', { exposeId: 'abc' }, { 'idempotency-key': 'k1' })],
  ['POST /api/expose/comments', (v) => v.post('/api/expose/comments', { exposeId: 'abc', body: 'hi' })],
  ['GET /api/expose/metrics', (v) => v.get('/api/expose/metrics?ids=abc')],
  ['GET /api/expose/comments', (v) => v.get('/api/expose/comments?exposeId=abc')],
];

for (const kind of ['refused', 'hanging'] as const) {
  describe(`a database that is ${kind}`, () => {
    let t: TestApp;
    let hole: Awaited<ReturnType<typeof blackHole>> | undefined;
    beforeAll(async () => {
      if (kind === 'hanging') hole = await blackHole();
      const port = hole?.port ?? 1; // nothing listens on port 1
      const pool = createPool({
        url: `postgres://postgres@127.0.0.1:${port}/expose`,
        poolSize: 4,
        connectTimeoutMs: config.dbConnectTimeoutMs,
        statementTimeoutMs: config.dbStatementTimeoutMs,
      });
      t = await createTestApp(createStore(postgresDatabase(pool)), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    });
    afterAll(async () => {
      await t.close().catch(() => {});
      await t.container.store.close().catch(() => {});
      await hole?.close();
    });

    it('answers every endpoint with a fast 503 unavailable and Retry-After', async () => {
      const results = await Promise.all(
        requests.map(async ([name, send]) => {
          const started = Date.now();
          const res = await send(visitor(t.app));
          return { name, res, ms: Date.now() - started };
        }),
      );
      for (const { name, res, ms } of results) {
        expect({ name, status: res.statusCode, code: res.json().error.code }).toEqual({ name, status: 503, code: 'unavailable' });
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(ms).toBeLessThan(3_000);
      }
    });
  });
}

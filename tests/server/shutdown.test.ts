import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '@/lib/server/store/open-pglite';
import { openPostgres } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';
import { testDatabases } from '../helpers/databases';
import { openSse } from '../live/sse-client';
import { rawConnection, startServer } from '../helpers/server-process';

const SECRET = randomBytes(32).toString('hex');
/** Far above what a drain takes: exiting 0 proves the drain finished before the force timer (exit 1). */
const SHUTDOWN_TIMEOUT_MS = '20000';

function post(port: number, url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const request = (method: string, url: string, headers: Record<string, string | number>, body = '') =>
  `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n${body}`;

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
        SHUTDOWN_TIMEOUT_MS,
        ...(database.url ? { DATABASE_URL: database.url, SESSION_SECRET: SECRET } : { DATA_DIR: dataDir }),
      };
      const server = await startServer(process.execPath, ['--import', 'tsx', 'tests/helpers/api-server.ts'], env);
      const { port } = server;
      try {
        const created = await post(port, '/api/exposes', { title: 'drain', body: 'drain' });
        expect(created.status).toBe(201);
        const exposeId = created.json.exposeId as string;

        const stream = await openSse(port, `ids=${exposeId}`);
        await stream.waitFor((c) => c.events().length > 0);

        // An idle keep-alive connection (one finished request).
        const idle = await rawConnection(port);
        idle.write(request('GET', '/api/health', {}));
        expect((await idle.response()).status).toBe(200);

        // A write in flight: its head is in (100 Continue says the server took it), its body is not.
        const body = JSON.stringify({ exposeId });
        const slow = await rawConnection(port);
        slow.write(request('POST', '/api/expose/views', { 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' }));
        expect((await slow.response()).status).toBe(100);

        // Requests still arriving at SIGTERM: one finishes afterwards, one never does.
        const late = await rawConnection(port);
        late.write(`POST /api/expose/vote HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
        const stalled = await rawConnection(port);
        stalled.write(`POST /api/expose/vote HTTP/1.1\r\nHost: 127.0.0.1\r\n`);

        // A burst of votes (each from a new session, so each counts) racing the signal.
        const burst = Array.from({ length: 30 }, () =>
          post(port, '/api/expose/vote', { exposeId, voteType: 'upvote' }).then(
            (r) => r.status,
            () => 0, // refused or reset: never acknowledged
          ),
        );

        server.child.kill('SIGTERM');
        await server.waitForLog(/shutting down/);

        // The idle connection is closed at once, the live stream ends (clients reconnect elsewhere).
        await idle.closed;
        await stream.ended;

        // A request arriving while draining gets the API's own 503 and the connection closes after it.
        const voteBody = JSON.stringify({ exposeId, voteType: 'downvote' });
        late.write(`content-type: application/json\r\ncontent-length: ${voteBody.length}\r\n\r\n${voteBody}`);
        const refused = await late.response();
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'unavailable' } });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(refused.headers.connection).toBe('close');
        await late.closed;

        // The in-flight write is answered after its commit.
        slow.write(body);
        const viewed = await slow.response();
        expect(viewed.status).toBe(200);
        expect(JSON.parse(viewed.body)).toMatchObject({ counted: true, metrics: { views: 1 } });

        const statuses = await Promise.all(burst);
        const acknowledged = statuses.filter((s) => s === 200).length;
        expect(statuses.every((s) => [0, 200, 503].includes(s))).toBe(true);

        // The stalled request does not hold the exit: closed, and the process exits 0 (the force timer exits 1).
        await stalled.closed;
        expect(await server.exited).toEqual({ code: 0, signal: null });

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
    });
  });
}

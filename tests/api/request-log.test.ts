import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_ROUTES } from '@/lib/server/http/app';
import { withPageCache } from '@/lib/server/pages/page-cache';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { visitor } from '../helpers/http';
import { captureLogs, type LogLine } from '../helpers/log-capture';
import { boomRoute } from '../helpers/test-routes';

const IP = '203.0.113.41';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 LogMarker/7f3a';
const IDEMPOTENCY_KEY = 'idem-key-never-logged-5c1e';
const SECRET = 'session-secret-for-the-log-test-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const requestLines = (lines: LogLine[]) => lines.filter((l) => l.msg === 'request');

for (const database of testDatabases()) {
  describe(`request logs on ${database.name}`, () => {
    let t: TestApp;
    let proxied: TestApp;
    const logs = captureLogs('info');
    const proxiedLogs = captureLogs('info');
    beforeAll(async () => {
      const store = await database.open();
      const app = {
        routes: [...API_ROUTES, boomRoute],
        // Next's stand-in: the feed (`/`) goes through the real page cache, as in server.ts.
        pageHandler: withPageCache(
          (_req, res) => {
            res.setHeader('content-type', 'text/html');
            res.end('<html>page</html>');
          },
          { paths: ['/'], freshMs: 60_000, staleMs: 120_000 },
        ),
      };
      t = await createTestApp(store, {
        env: { SESSION_SECRET: SECRET },
        overrides: { rateLimitsEnabled: false },
        app: { ...app, logger: logs.logger },
      });
      proxied = await createTestApp(store, {
        env: { SESSION_SECRET: SECRET, TRUST_PROXY: '1' },
        overrides: { rateLimitsEnabled: false },
        app: { ...app, logger: proxiedLogs.logger },
      });
    });
    afterAll(async () => {
      await t.close();
      await proxied.close();
      await database.cleanup();
    });

    it('writes one line per request with its id, route template, method, status and duration, and nothing private', async () => {
      const v = visitor(t.app, { remoteAddress: IP, userAgent: UA });
      const created = await v.post('/api/exposes', { title: 'log', body: 'check' });
      const id = created.json().exposeId as string;
      const responses = [
        created,
        await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }),
        await v.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': IDEMPOTENCY_KEY }),
        await v.get(`/api/exposes/${id}`),
        await v.get(`/api/expose/comments?exposeId=${id}&limit=5`),
        await v.get('/api/exposes/no-such-expose'),
        await v.post('/api/expose/views', { exposeId: 'not valid!' }),
        await v.get('/api/test/boom'),
        await v.get('/expose/some-page?utm_source=newsletter'),
      ];
      const expected: [number, string, string][] = [
        [201, 'POST', '/api/exposes'],
        [200, 'POST', '/api/expose/vote'],
        [200, 'POST', '/api/expose/share'],
        [200, 'GET', '/api/exposes/:id'],
        [200, 'GET', '/api/expose/comments'],
        [404, 'GET', '/api/exposes/:id'],
        [400, 'POST', '/api/expose/views'],
        [500, 'GET', '/api/test/boom'],
        [200, 'GET', '/expose/some-page'],
      ];
      const lines = requestLines(logs.lines());
      expect(lines).toHaveLength(expected.length);
      responses.forEach((res, i) => {
        const [status, method, route] = expected[i]!;
        expect(res.statusCode).toBe(status);
        const requestId = res.headers['x-request-id'];
        expect(requestId).toMatch(UUID);
        const line = lines.find((l) => l.reqId === requestId);
        expect(line, `line for ${method} ${route}`).toMatchObject({ level: 30, method, route, status });
        expect(typeof line!.ms).toBe('number');
      });
      expect(new Set(responses.map((r) => r.headers['x-request-id'])).size).toBe(responses.length);

      const text = logs.text();
      const sessionCookie = v.cookie!.split('=')[1]!;
      for (const secret of [IP, UA, 'LogMarker', 'Mozilla/', IDEMPOTENCY_KEY, sessionCookie, sessionCookie.split('.')[0]!, SECRET, 'utm_source', 'limit=5']) {
        expect(text, secret).not.toContain(secret);
      }
    });

    it('gives a page replayed by the page cache its own request id', async () => {
      const first = await visitor(t.app).get('/');
      const second = await visitor(t.app).get('/');
      expect(second.headers['x-ec-page-cache']).toBe('hit');
      expect(first.headers['x-request-id']).toMatch(UUID);
      expect(second.headers['x-request-id']).toMatch(UUID);
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
      const logged = requestLines(logs.lines()).filter((l) => l.route === '/').map((l) => l.reqId);
      expect(logged).toEqual(expect.arrayContaining([first.headers['x-request-id'], second.headers['x-request-id']]));
    });

    it('logs a live stream that its client closed, with how long it was open', async () => {
      const created = await visitor(t.app).post('/api/exposes', { title: 'stream', body: 'log' });
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const controller = new AbortController();
      const res = await fetch(`${address}/api/expose/stream?ids=${created.json().exposeId}`, { signal: controller.signal });
      const requestId = res.headers.get('x-request-id');
      await res.body!.getReader().read();
      controller.abort();
      await vi.waitFor(() =>
        expect(logs.lines().find((l) => l.reqId === requestId)).toMatchObject({
          msg: 'request aborted',
          route: '/api/expose/stream',
          method: 'GET',
          status: 200,
        }),
      );
    });

    it('logs an unknown error with the request id and a stack, and answers a generic 500', async () => {
      const res = await visitor(t.app).get('/api/test/boom');
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('internal');
      expect(res.body).not.toContain('boom');
      const requestId = res.headers['x-request-id'];
      const errorLine = logs.lines().find((l) => l.reqId === requestId && l.level >= 50);
      expect(errorLine).toBeDefined();
      const err = errorLine!.err as { message: string; stack: string };
      expect(err.message).toContain('boom: internal detail');
      expect(err.stack).toContain('test-routes.ts');
    });

    it('ignores a client-sent X-Request-Id unless TRUST_PROXY=1, and then only a well-formed one', async () => {
      const direct = await visitor(t.app).get('/api/health', { 'x-request-id': 'proxy-id-123' });
      expect(direct.headers['x-request-id']).toMatch(UUID);

      const accepted = await visitor(proxied.app).get('/api/health', { 'x-request-id': 'proxy-id-123' });
      expect(accepted.headers['x-request-id']).toBe('proxy-id-123');
      expect(requestLines(proxiedLogs.lines()).some((l) => l.reqId === 'proxy-id-123')).toBe(true);

      for (const bad of ['has space', 'x'.repeat(129), 'quote"and\\backslash', '']) {
        const res = await visitor(proxied.app).get('/api/health', { 'x-request-id': bad });
        expect(res.headers['x-request-id'], bad).toMatch(UUID);
      }
    });
  });
}

describe('Redis errors', () => {
  it('are logged (rate-limited) without the password of REDIS_URL', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const logs = captureLogs('info');
    const { open, cleanup } = testDatabases()[0]!;
    const t = await createTestApp(await open(), {
      env: { REDIS_URL: `redis://:pw-never-logged-42@127.0.0.1:${port}` },
      overrides: { log: logs.logger },
    });
    try {
      await vi.waitFor(() => expect(logs.lines().filter((l) => l.msg?.startsWith('redis error'))).toHaveLength(1), {
        timeout: 10_000,
      });
      await vi.waitFor(() => expect(logs.lines().some((l) => l.msg === 'live bus error')).toBe(true), { timeout: 10_000 });
      expect(logs.text()).not.toContain('pw-never-logged-42');
    } finally {
      await t.close();
      await t.container.bus.close();
      await cleanup();
    }
  });
});

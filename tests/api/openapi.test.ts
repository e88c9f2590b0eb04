import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '@/lib/server/http/app';
import type { ApiRoute } from '@/lib/server/http/route';
import { createStore } from '@/lib/server/store/open-store';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { visitor, type Visitor } from '../helpers/http';
import { boomRoute } from '../helpers/test-routes';

type Method = 'get' | 'post';
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }>; headers?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Partial<Record<Method, Operation>>>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });

const ADMIN_TOKEN = 'openapi-test-admin-token-0123456789';

/** Checks one real reply against what the document declares for its route and status. */
function checker(doc: Document) {
  const seen = new Set<string>();
  return {
    seen,
    check(path: string, method: Method, res: LightMyRequestResponse, expectedStatus: number) {
      expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(expectedStatus);
      const declared = doc.paths[path]?.[method]?.responses[String(res.statusCode)];
      expect(declared, `${method.toUpperCase()} ${path} declares ${res.statusCode}`).toBeDefined();
      expect(res.headers['x-request-id']).toBeTruthy();
      if (!declared!.content) {
        // A reply declared without content (204) has no body.
        expect(res.body, `${method} ${path} ${res.statusCode} has no body`).toBe('');
        seen.add(`${method} ${path} ${res.statusCode}`);
        return;
      }
      const media = Object.keys(declared!.content)[0]!;
      if (media !== 'application/json') {
        expect(String(res.headers['content-type']), `${method} ${path} ${res.statusCode} is ${media}`).toContain(media);
        seen.add(`${method} ${path} ${res.statusCode}`);
        return;
      }
      const schema = declared!.content['application/json']?.schema;
      expect(schema, `${method} ${path} ${res.statusCode} has a JSON schema`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(res.json()), `${method} ${path} ${res.statusCode}: ${JSON.stringify(validate.errors)}\n${res.body}`).toBe(true);
      if (declared!.headers?.['retry-after']) expect(res.headers['retry-after']).toBeDefined();
      seen.add(`${method} ${path} ${res.statusCode}`);
    },
  };
}

async function fetchDocument(t: TestApp): Promise<Document> {
  const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as Document;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  const db = testDatabases()[0]!;
  beforeAll(async () => {
    t = await createTestApp(await db.open());
  });
  afterAll(async () => {
    await t.close();
    await db.cleanup();
  });

  it('is a valid OpenAPI 3.1 document with every API route, its inputs and its error codes', async () => {
    const doc = await fetchDocument(t);
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');

    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'GET /api/health',
        'GET /api/health/live',
        'GET /api/health/ready',
        'GET /api/metrics',
        'POST /api/admin/login',
        'GET /api/exposes',
        'POST /api/exposes',
        'GET /api/exposes/{id}',
        'POST /api/expose/vote',
        'POST /api/expose/views',
        'POST /api/expose/share',
        'GET /api/expose/comments',
        'POST /api/expose/comments',
        'GET /api/expose/metrics',
        'GET /api/expose/stream',
        'GET /api/expose/audit',
        'GET /api/openapi.json',
        'POST /api/telemetry',
        'GET /api/dashboard',
        'GET /api/dashboard/expose',
        'GET /api/dashboard/stream',
        'GET /api/experiments',
        'POST /api/experiments/exposures',
        'GET /api/admin/experiments',
        'POST /api/admin/experiments/{key}/{action}',
      ].sort(),
    );
    // healthRoute registers three URLs (live, ready and the old /api/health); every other entry one.
    expect(API_ROUTES.length + 2).toBe(operations.length);

    const share = doc.paths['/api/expose/share']!.post! as Operation & { parameters: { in: string; name: string }[] };
    expect(share.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key' }));
    expect(share.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'x-challenge-solution' }));
    expect(Object.keys(share.responses).sort()).toEqual(
      ['200', '400', '403', '404', '409', '410', '413', '415', '422', '428', '429', '500', '503'].sort(),
    );
    const vote = doc.paths['/api/expose/vote']!.post! as Operation & { parameters: { in: string; name: string }[] };
    expect(vote.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'x-challenge-solution' }));
    expect(Object.keys(vote.responses)).toContain('428');
    const getExpose = doc.paths['/api/exposes/{id}']!.get! as Operation & { parameters: { in: string; name: string }[] };
    expect(getExpose.parameters).toContainEqual(expect.objectContaining({ in: 'path', name: 'id' }));
    expect(Object.keys(doc.paths['/api/expose/metrics']!.get!.responses).sort()).toEqual(['200', '400', '429', '500', '503']);
  });

  it('refuses to leave out an API route that was added without a description', async () => {
    const raw: ApiRoute = (app) => app.get('/api/undocumented', async () => ({}));
    const bad = await createTestApp(t.container.store, { app: { routes: [...API_ROUTES, raw] } });
    try {
      expect(() => bad.app.swagger()).toThrow('API route /api/undocumented has no OpenAPI description');
      expect((await bad.app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode).toBe(500);
    } finally {
      await bad.close();
    }
  });
});

for (const database of testDatabases()) {
  describe(`real replies of every route match the document, on ${database.name}`, () => {
    let t: TestApp;
    let doc: Document;
    const clock = testClock('2026-03-01T12:00:00Z');
    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        env: { ADMIN_TOKEN },
        overrides: { now: clock.now },
        app: { routes: [...API_ROUTES, boomRoute] },
      });
      doc = await fetchDocument(t);
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('answers with the declared schema for successes and errors', async () => {
      const { check, seen } = checker(doc);
      const v: Visitor = visitor(t.app);
      check('/api/health', 'get', await v.get('/api/health'), 200);
      check('/api/health/live', 'get', await v.get('/api/health/live'), 200);
      check('/api/health/ready', 'get', await v.get('/api/health/ready'), 200);
      check('/api/openapi.json', 'get', await v.get('/api/openapi.json'), 200);
      check('/api/metrics', 'get', await v.get('/api/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` }), 200);
      check('/api/metrics', 'get', await v.get('/api/metrics', { authorization: 'Bearer wrong' }), 401);
      check('/api/admin/login', 'post', await v.post('/api/admin/login', { token: ADMIN_TOKEN }), 204);
      check('/api/admin/login', 'post', await v.post('/api/admin/login', { token: 'x'.repeat(30) }), 401);

      const created = await v.post('/api/exposes', { title: 'doc', body: 'check', ttlHours: 1 });
      check('/api/exposes', 'post', created, 201);
      const id = created.json().exposeId as string;
      check('/api/exposes', 'post', await v.post('/api/exposes', { title: '' }), 400);
      check('/api/exposes', 'post', await v.post('/api/exposes', '{"title":'), 400);
      check('/api/exposes', 'get', await v.get('/api/exposes?limit=5'), 200);
      check('/api/exposes', 'get', await v.get('/api/exposes?limit=500'), 400);
      check('/api/exposes/{id}', 'get', await v.get(`/api/exposes/${id}`), 200);
      check('/api/exposes/{id}', 'get', await v.get('/api/exposes/unknown'), 404);
      check('/api/exposes/{id}', 'get', await v.get('/api/exposes/not%20valid'), 400);

      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }), 200);
      const auditUrl = `/api/expose/audit?exposeId=${id}`;
      check('/api/expose/audit', 'get', await v.get(auditUrl, { authorization: `Bearer ${ADMIN_TOKEN}` }), 200);
      check('/api/expose/audit', 'get', await v.get(auditUrl, { authorization: 'Bearer wrong' }), 401);
      check('/api/expose/audit', 'get', await v.get('/api/expose/audit?exposeId=unknown', { authorization: `Bearer ${ADMIN_TOKEN}` }), 404);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: 'unknown', voteType: 'upvote' }), 404);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: id, voteType: 'up' }), 400);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, { origin: 'https://evil.example' }), 403);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', 'x', { 'content-type': 'text/plain' }), 415);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote', pad: 'x'.repeat(17_000) }), 413);

      // Beyond the free votes and shares (none here): 428 with the challenge, 403 for a bad solution.
      const pow = await createTestApp(t.container.store, { env: { FREE_VOTES_PER_IP: '0', FREE_SHARES_PER_IP: '0' }, overrides: { now: clock.now } });
      try {
        const p = visitor(pow.app);
        check('/api/expose/vote', 'post', await p.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' }), 428);
        check('/api/expose/vote', 'post', await p.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' }, { 'x-challenge-solution': 'e30=' }), 403);
        check('/api/expose/share', 'post', await p.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'doc-pow' }), 428);
        check('/api/expose/share', 'post', await p.post('/api/expose/share', { exposeId: id }, { 'x-challenge-solution': 'e30=' }), 403);
      } finally {
        await pow.close();
      }

      check('/api/expose/views', 'post', await v.post('/api/expose/views', { exposeId: id }), 200);
      check('/api/expose/views', 'post', await v.post('/api/expose/views', { exposeId: 'unknown' }), 404);

      const share = (body: object, key: string) => v.post('/api/expose/share', body, { 'idempotency-key': key });
      check('/api/expose/share', 'post', await share({ exposeId: id, channel: 'x' }, 'doc-1'), 200);
      check('/api/expose/share', 'post', await share({ exposeId: id, channel: 'x' }, 'doc-1'), 200);
      check('/api/expose/share', 'post', await share({ exposeId: id, channel: 'email' }, 'doc-1'), 422);
      check('/api/expose/share', 'post', await share({ exposeId: id }, 'bad key'), 400);

      const comment = (body: object, key: string) => v.post('/api/expose/comments', body, { 'idempotency-key': key });
      check('/api/expose/comments', 'post', await comment({ exposeId: id, body: 'hello', authorName: 'Ann' }, 'c-1'), 201);
      check('/api/expose/comments', 'post', await comment({ exposeId: id, body: 'hello' }, 'c-1'), 422);
      check('/api/expose/comments', 'post', await comment({ exposeId: 'unknown', body: 'hello' }, 'c-2'), 404);
      check('/api/expose/comments', 'get', await v.get(`/api/expose/comments?exposeId=${id}&limit=1`), 200);
      check('/api/expose/comments', 'get', await v.get('/api/expose/comments?exposeId=unknown'), 404);
      check('/api/expose/comments', 'get', await v.get('/api/expose/comments'), 400);

      const telemetry = { ops: [], vitals: [{ name: 'TTFB', value: 12 }], errors: [] };
      check('/api/telemetry', 'post', await v.post('/api/telemetry', telemetry), 204);
      check('/api/telemetry', 'post', await v.post('/api/telemetry', { ...telemetry, extra: 1 }), 400);
      check('/api/dashboard', 'get', await v.get('/api/dashboard', { authorization: `Bearer ${ADMIN_TOKEN}` }), 200);
      check('/api/dashboard', 'get', await v.get('/api/dashboard'), 401);
      check('/api/dashboard/expose', 'get', await v.get(`/api/dashboard/expose?exposeId=${id}`, { authorization: `Bearer ${ADMIN_TOKEN}` }), 200);
      check('/api/dashboard/expose', 'get', await v.get('/api/dashboard/expose?exposeId=unknown', { authorization: `Bearer ${ADMIN_TOKEN}` }), 404);
      check('/api/dashboard/stream', 'get', await v.get('/api/dashboard/stream'), 401);
      check('/api/expose/metrics', 'get', await v.get(`/api/expose/metrics?ids=${id},unknown`), 200);
      check('/api/expose/metrics', 'get', await v.get('/api/expose/metrics?ids='), 400);
      check('/api/expose/stream', 'get', await v.get('/api/expose/stream?ids=not%20valid'), 400);

      // The shipped experiments.json: vote-debounce, a draft until started.
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const action = '/api/admin/experiments/{key}/{action}';
      check(action, 'post', await v.post('/api/admin/experiments/vote-debounce/start', {}, admin), 200);
      check(action, 'post', await v.post('/api/admin/experiments/vote-debounce/start', {}, { authorization: 'Bearer wrong' }), 401);
      check(action, 'post', await v.post('/api/admin/experiments/no-such-one/start', {}, admin), 404);
      check(action, 'post', await v.post('/api/admin/experiments/vote-debounce/launch', {}, admin), 400);
      check('/api/admin/experiments', 'get', await v.get('/api/admin/experiments', admin), 200);
      check('/api/admin/experiments', 'get', await v.get('/api/admin/experiments'), 401);
      const assigned = await v.get('/api/experiments');
      check('/api/experiments', 'get', assigned, 200);
      const [mine] = assigned.json().assignments as { experiment: string; variant: string }[];
      check('/api/experiments/exposures', 'post', await v.post('/api/experiments/exposures', { experiment: mine!.experiment, variant: mine!.variant }), 200);
      check('/api/experiments/exposures', 'post', await v.post('/api/experiments/exposures', { experiment: 'no-such-one', variant: mine!.variant }), 404);
      check('/api/experiments/exposures', 'post', await v.post('/api/experiments/exposures', { experiment: 'vote-debounce' }), 400);
      check('/api/test/boom', 'get', await v.get('/api/test/boom'), 500);

      // A session's comment limit is 5 a minute: the 429 carries the envelope and Retry-After.
      let limited: LightMyRequestResponse | undefined;
      for (let i = 0; i < 10 && !limited; i++) {
        const res = await comment({ exposeId: id, body: `c${i}` }, `rl-${i}`);
        if (res.statusCode === 429) limited = res;
      }
      check('/api/expose/comments', 'post', limited!, 429);

      clock.advance(2 * 3600_000);
      check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' }), 410);

      // Every route's success reply was seen and checked (the stream's below, over a socket).
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const success = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
          if (path !== '/api/expose/stream' && path !== '/api/dashboard/stream' && path !== '/api/test/boom') expect(seen, `${method} ${path}`).toContain(`${method} ${path} ${success}`);
        }
      }
    });

    it('streams text/event-stream as declared', async () => {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const created = await visitor(t.app).post('/api/exposes', { title: 'stream', body: 'doc' });
      const controller = new AbortController();
      const res = await fetch(`${address}/api/expose/stream?ids=${created.json().exposeId}`, { signal: controller.signal });
      expect(res.status).toBe(200);
      expect(Object.keys(doc.paths['/api/expose/stream']!.get!.responses['200']!.content!)).toEqual(['text/event-stream']);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toMatch(/event: metrics|retry:/);
      controller.abort();
    });
  });
}

describe('real 503 replies match the document', () => {
  let t: TestApp;
  let doc: Document;
  beforeAll(async () => {
    // Nothing listens on port 1: every query fails at once, as with a database that is down.
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/expose', poolSize: 2, connectTimeoutMs: 500, statementTimeoutMs: 500 });
    t = await createTestApp(createStore(postgresDatabase(pool)), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    doc = await fetchDocument(t);
  });
  afterAll(async () => {
    await t.close();
    await t.container.store.close().catch(() => {});
  });

  it('answers 503 unavailable with the declared envelope and Retry-After', async () => {
    const { check } = checker(doc);
    const v = visitor(t.app);
    check('/api/health', 'get', await v.get('/api/health'), 503);
    check('/api/exposes', 'get', await v.get('/api/exposes'), 503);
    check('/api/exposes', 'post', await v.post('/api/exposes', { title: 'a', body: 'b' }), 503);
    check('/api/exposes/{id}', 'get', await v.get('/api/exposes/abc'), 503);
    check('/api/expose/vote', 'post', await v.post('/api/expose/vote', { exposeId: 'abc', voteType: 'upvote' }), 503);
    check('/api/expose/views', 'post', await v.post('/api/expose/views', { exposeId: 'abc' }), 503);
    check('/api/expose/share', 'post', await v.post('/api/expose/share', { exposeId: 'abc' }, { 'idempotency-key': 'k' }), 503);
    check('/api/expose/comments', 'post', await v.post('/api/expose/comments', { exposeId: 'abc', body: 'x' }), 503);
    check('/api/expose/comments', 'get', await v.get('/api/expose/comments?exposeId=abc'), 503);
    check('/api/expose/metrics', 'get', await v.get('/api/expose/metrics?ids=abc'), 503);
    check('/api/expose/stream', 'get', await v.get('/api/expose/stream?ids=abc'), 503);
  });
});


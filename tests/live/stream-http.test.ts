import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Comment } from '@/lib/contracts/comments';
import { emptyMetrics, type MetricsSnapshot } from '@/lib/contracts/metrics';
import { UnavailableError } from '@/lib/server/domain/errors';
import { publishSnapshot } from '@/lib/server/live/bus';
import type { Store } from '@/lib/server/store/port';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { openSse, type SseConnection } from './sse-client';

// One real listening server per configuration, over one in-memory PGlite; a real HTTP client reads.
const database = testDatabases()[0]!;
let store: Store;
const running: TestApp[] = [];

async function start(env: Record<string, string> = {}, storeOverride?: Store): Promise<{ t: TestApp; port: number }> {
  const t = await createTestApp(storeOverride ?? store, { env, overrides: { rateLimitsEnabled: false, maintenance: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  running.push(t);
  return { t, port: (t.app.server.address() as AddressInfo).port };
}

let seq = 0;
async function newExpose(): Promise<string> {
  const id = `live-${process.pid}-${++seq}`;
  await store.insertExpose({ id, title: 't', body: 'b', expiresAt: null });
  return id;
}

const metricsEvents = (c: SseConnection, id: string) => c.events().filter((e) => e.exposeId === id);
const commentEvents = (c: SseConnection): Comment[] =>
  c.frames().filter((f) => f.startsWith('event: comment\n')).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as Comment);

beforeAll(async () => {
  store = await database.open();
});
afterAll(async () => {
  for (const t of running) await t.app.close();
  for (const t of running) await t.container.bus.close();
  await database.cleanup();
});

describe('GET /api/expose/stream', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    ({ t, port } = await start());
  });

  it('sends retry, then the snapshot of each known id, then each published change', async () => {
    const [a, b] = [await newExpose(), await newExpose()];
    const c = await openSse(port, `ids=${a},${b},no-such-expose`);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(c.headers['cache-control']).toBe('no-cache, no-transform');
    expect(c.headers['x-accel-buffering']).toBe('no');
    expect(c.headers.connection).toBe('keep-alive');
    await c.waitFor((x) => x.events().length === 2);
    expect(c.frames()[0]).toBe('retry: 3000');
    expect(c.events()).toEqual([
      { exposeId: a, version: 0, metrics: emptyMetrics() },
      { exposeId: b, version: 0, metrics: emptyMetrics() },
    ]);

    t.container.bus.publish({ exposeId: b, version: 1, metrics: { ...emptyMetrics(), views: 1 } });
    const event = await c.waitFor((x) => metricsEvents(x, b)[1]);
    expect(event).toEqual({ exposeId: b, version: 1, metrics: { ...emptyMetrics(), views: 1 } });
    expect(c.text()).not.toMatch(/myVote/);
    c.close();
  });

  it('carries a change committed through the API (vote, then publishSnapshot after the commit)', async () => {
    const a = await newExpose();
    const c = await openSse(port, `ids=${a}`);
    await c.waitFor((x) => metricsEvents(x, a)[0]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/expose/vote',
      headers: { 'content-type': 'application/json' },
      payload: { exposeId: a, voteType: 'upvote' },
    });
    expect(res.statusCode).toBe(200);
    const committed = res.json() as MetricsSnapshot;
    expect(committed.myVote).toBe('upvote');
    // The one line the domain's write adds after its commit (harmless twice: the version rule drops copies).
    publishSnapshot(t.container.bus, committed);
    const event = await c.waitFor((x) => metricsEvents(x, a).find((e) => e.version === committed.version));
    expect(event).toEqual({ exposeId: a, version: committed.version, metrics: committed.metrics });
    expect(event.metrics).toMatchObject({ upvotes: 1, netVotes: 1 });
    expect(sessionCookieOf(res)).toMatch(/^ec_sid=/);
    c.close();
  });

  it('sends a comment posted through the API as `event: comment`, before the snapshot that counts it', async () => {
    const a = await newExpose();
    const other = await newExpose();
    const c = await openSse(port, `ids=${a}`);
    await c.waitFor((x) => metricsEvents(x, a)[0]);
    let cookie = '';
    const post = async (exposeId: string, body: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/expose/comments',
        headers: { 'content-type': 'application/json', 'idempotency-key': `k-${body.replace(/ /g, '-')}`, cookie },
        payload: { exposeId, body },
      });
      cookie ||= sessionCookieOf(res);
      return res;
    };
    await post(other, 'elsewhere');
    const res = await post(a, 'live one');
    expect(res.statusCode).toBe(201);
    const { comment } = res.json() as { comment: Comment };
    const counted = await c.waitFor((x) => metricsEvents(x, a).find((e) => e.metrics.comments === 1));
    expect(commentEvents(c)).toEqual([comment]);
    // The comment frame comes before the snapshot that counts it.
    const frames = c.frames();
    expect(frames.findIndex((f) => f.startsWith('event: comment'))).toBeLessThan(
      frames.findIndex((f) => f.includes(`"version":${counted.version}`)),
    );
    expect(await post(a, 'live one').then((r) => r.statusCode)).toBe(201); // a replay publishes nothing
    await post(a, 'second');
    await c.waitFor((x) => commentEvents(x).length === 2);
    expect(commentEvents(c).map((e) => e.body)).toEqual(['live one', 'second']);
    c.close();
  });

  it('never sends a version older than one it already sent', async () => {
    const a = await newExpose();
    const c = await openSse(port, `ids=${a}`);
    await c.waitFor((x) => metricsEvents(x, a)[0]);
    const bus = t.container.bus;
    bus.publish({ exposeId: a, version: 7, metrics: emptyMetrics() });
    await c.waitFor((x) => metricsEvents(x, a).some((e) => e.version === 7));
    for (const version of [3, 7, 5]) bus.publish({ exposeId: a, version, metrics: emptyMetrics() });
    bus.publish({ exposeId: a, version: 8, metrics: emptyMetrics() });
    await c.waitFor((x) => metricsEvents(x, a).some((e) => e.version === 8));
    expect(metricsEvents(c, a).map((e) => e.version)).toEqual([0, 7, 8]);
    c.close();
  });

  it.each([
    ['no ids', ''],
    ['empty ids', 'ids='],
    ['101 ids', `ids=${Array.from({ length: 101 }, (_, i) => `x${i}`).join(',')}`],
    ['a bad id', 'ids=ok,not%20ok'],
    ['an id over 64 characters', `ids=${'x'.repeat(65)}`],
  ])('answers %s with 400 invalid_input and subscribes nothing', async (_name, query) => {
    const c = await openSse(port, query);
    await c.ended;
    expect(c.status).toBe(400);
    expect(c.json()).toMatchObject({ error: { code: 'invalid_input', message: expect.stringMatching(/ids/) } });
    expect(t.container.bus.listenerCount()).toBe(0);
  });

  it('accepts 100 ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `many-${i}`);
    const c = await openSse(port, `ids=${ids.join(',')}`);
    expect(c.status).toBe(200);
    await c.waitFor((x) => x.frames().length >= 1);
    c.close();
  });

  it('frees the listener when the client disconnects', async () => {
    const a = await newExpose();
    const c = await openSse(port, `ids=${a}`);
    await c.waitFor((x) => metricsEvents(x, a)[0]);
    expect(t.container.bus.listenerCount()).toBe(1);
    c.close();
    await vi.waitFor(() => expect(t.container.bus.listenerCount()).toBe(0));
  });
});

describe('stream keep-alive', () => {
  it('sends a comment line on an idle stream', async () => {
    const { port } = await start({ STREAM_KEEPALIVE_MS: '50' });
    const c = await openSse(port, 'ids=idle');
    await c.waitFor((x) => x.frames().includes(': keep-alive'));
    expect(c.events()).toEqual([]);
    c.close();
  });
});

describe('stream churn', () => {
  it('1,000 connect/disconnect cycles (50 at a time) leave no listener and no slot behind', async () => {
    // Exactly 50 slots per IP: one leaked slot would turn a later cycle into a 429.
    const { t, port } = await start({ MAX_STREAMS_PER_IP: '50' });
    const a = await newExpose();
    const statuses: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const c = await openSse(port, `ids=${a}`);
          statuses.push(c.status);
          if (c.status === 200) await c.waitFor((x) => metricsEvents(x, a)[0]);
          c.close();
          await c.ended;
        }),
      );
      await vi.waitFor(() => expect(t.container.bus.listenerCount()).toBe(0));
    }
    expect(statuses).toHaveLength(1000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(t.container.bus.listenerCount()).toBe(0);
  }, 60_000);
});

describe('stream limits', () => {
  it('refuses a client over its open-stream limit with 429 rate_limited and Retry-After', async () => {
    const { t, port } = await start({ MAX_STREAMS_PER_IP: '2' });
    const open = [await openSse(port, 'ids=a'), await openSse(port, 'ids=b')];
    expect(open.map((c) => c.status)).toEqual([200, 200]);
    const refused = await openSse(port, 'ids=c');
    await refused.ended;
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    open[0]!.close();
    await vi.waitFor(() => expect(t.container.bus.listenerCount()).toBe(1));
    const again = await openSse(port, 'ids=c');
    expect(again.status).toBe(200);
    again.close();
    open[1]!.close();
  });

  it('refuses streams over the instance cap with 503 unavailable and Retry-After', async () => {
    const { port } = await start({ MAX_STREAMS: '2' });
    const open = [await openSse(port, 'ids=a'), await openSse(port, 'ids=b')];
    const refused = await openSse(port, 'ids=c');
    await refused.ended;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ error: { code: 'unavailable' } });
    for (const c of open) c.close();
  });

  it('answers 503 unavailable, with nothing left subscribed, when the first read fails', async () => {
    const failing: Store = { ...store, findMetrics: () => Promise.reject(new UnavailableError()) };
    const { t, port } = await start({}, failing);
    const c = await openSse(port, 'ids=a');
    await c.ended;
    expect(c.status).toBe(503);
    expect(c.headers['retry-after']).toBe('1');
    expect(c.json()).toMatchObject({ error: { code: 'unavailable' } });
    expect(t.container.bus.listenerCount()).toBe(0);
    // the slot was given back too
    const again = await openSse(port, 'ids=a');
    expect(again.status).toBe(503);
  });
});

describe('a client that leaves during the first read', () => {
  it('frees its listener and its slot once the read returns', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Store = { ...store, findMetrics: async (ids, session) => (await gate, store.findMetrics(ids, session)) };
    const { t, port } = await start({ MAX_STREAMS_PER_IP: '1' }, slow);
    const pending = new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/api/expose/stream?ids=a', agent: false });
      req.on('error', () => resolve());
      // the request is in the handler once the bus has its subscription
      void vi.waitFor(() => expect(t.container.bus.listenerCount()).toBe(1)).then(() => {
        req.destroy();
        resolve();
      });
    });
    await pending;
    release();
    await vi.waitFor(() => expect(t.container.bus.listenerCount()).toBe(0));
    const again = await openSse(port, 'ids=a');
    expect(again.status).toBe(200);
    again.close();
  });
});

describe('shutdown', () => {
  it('app.close() ends every open stream promptly and frees its listeners', async () => {
    const { t, port } = await start();
    const a = await newExpose();
    const conns = await Promise.all(Array.from({ length: 5 }, () => openSse(port, `ids=${a}`)));
    await Promise.all(conns.map((c) => c.waitFor((x) => metricsEvents(x, a)[0])));
    expect(t.container.bus.listenerCount()).toBe(5);
    const started = performance.now();
    await t.app.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await Promise.all(conns.map((c) => c.ended));
    expect(conns.every((c) => c.isEnded())).toBe(true);
    expect(t.container.bus.listenerCount()).toBe(0);
  });
});

describe('HEAD /api/expose/stream', () => {
  it('answers with the stream headers at once and opens no stream', async () => {
    const { t, port } = await start();
    const res = await new Promise<{ status?: number; type?: string }>((resolve, reject) => {
      const req = http.request({ method: 'HEAD', host: '127.0.0.1', port, path: '/api/expose/stream?ids=a', agent: false }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode, type: r.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8' });
    expect(t.container.bus.listenerCount()).toBe(0);
  });
});

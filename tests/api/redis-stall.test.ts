import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { signedInVisitor } from '../helpers/http';
import { startTcpProxy, type TcpProxy } from '../live/tcp-proxy';

const REDIS = process.env.TEST_REDIS_URL;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const ready = (redis: Redis | Cluster) =>
  new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));

/**
 * Redis that hangs (TCP connected, never answering) must not hang requests: the rate limits'
 * commands time out and fall back to the in-memory limiter, and the live bus publishes without
 * waiting. A TCP proxy between the app and a real Redis stops forwarding while requests run.
 */
describe.skipIf(!REDIS)('a stalled Redis', () => {
  const database = testDatabases()[0]!;
  let proxy: TcpProxy;
  let t: TestApp;
  let id: string;
  const secret = randomUUID().repeat(2);
  beforeAll(async () => {
    proxy = await startTcpProxy(new URL(REDIS!));
    const store = await database.open();
    t = await createTestApp(store, {
      env: { REDIS_URL: proxy.url, SESSION_SECRET: secret, REDIS_COMMAND_TIMEOUT_MS: '300' },
      overrides: { maintenance: false },
    });
    await ready(t.container.redis!);
    id = await seedExpose(store);
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
    await database.cleanup();
  });

  it('still answers votes, views and shares while Redis does not answer', async () => {
    const v = await signedInVisitor(t.app, { userAgent: UA });
    // with Redis answering, the limits go through it
    expect((await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' })).statusCode).toBe(200);

    proxy.stall();
    const replies = await Promise.all([
      v.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' }),
      v.post('/api/expose/views', { exposeId: id }),
      v.post('/api/expose/share', { exposeId: id, channel: 'link' }, { 'idempotency-key': randomUUID() }),
      v.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': randomUUID() }),
      v.get(`/api/expose/metrics?ids=${id}`),
    ]);
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    // and again, after the connection has been stuck for a while
    const later = await Promise.all([
      v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }),
      v.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': randomUUID() }),
    ]);
    expect(later.map((r) => r.statusCode)).toEqual([200, 200]);
    const m = (await t.container.store.findExpose(id))!;
    expect({ upvotes: m.upvotes, shares: m.shares }).toEqual({ upvotes: 1, shares: 3 });
    // the stuck connection was dropped, and its replacement is not ready while Redis is silent
    expect(t.container.redis!.status).not.toBe('ready');
  });

  it('goes back to Redis once it answers again', async () => {
    proxy.restore();
    await ready(t.container.redis!);
    // this instance's IP window for votes (its secret is unique to this test) counts in Redis again
    const ipKey = createHmac('sha256', secret).update('ip-hash-key').digest();
    const ipHash = createHmac('sha256', ipKey).update('127.0.0.1').digest('base64url').slice(0, 22);
    const consumed = async () => Number(await t.container.redis!.get(`ec:rl:vote:ip:1:${ipHash}`));
    const before = await consumed();
    const v = await signedInVisitor(t.app, { userAgent: UA });
    expect((await v.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' })).statusCode).toBe(200);
    expect(await consumed()).toBe(before + 1);
  });
});

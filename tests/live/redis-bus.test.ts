import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyMetrics } from '@/lib/contracts/metrics';
import type { LiveSnapshot, MetricsBus } from '@/lib/server/live/bus';
import { createRedisBus } from '@/lib/server/live/redis-bus';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const REDIS = process.env.TEST_REDIS_URL;
const snap = (exposeId: string, version: number): LiveSnapshot => ({ exposeId, version, metrics: emptyMetrics() });

const buses: MetricsBus[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
const bus = (url: string, channel: string) => {
  const b = createRedisBus({ url, channel });
  buses.push(b);
  return b;
};
/** Records deliveries; waitFor resolves on the first that matches, checked on every delivery. */
const recorder = (b: MetricsBus, ids: string[], onGap?: () => void) => {
  const got: LiveSnapshot[] = [];
  b.subscribe(ids, (s) => got.push(s), { onGap });
  return {
    got,
    versions: () => got.map((s) => s.version),
    waitFor: (version: number) => vi.waitFor(() => expect(got.map((s) => s.version)).toContain(version), { timeout: 5_000 }),
  };
};
/** Until the subscriber connection is live, a publish from elsewhere is simply missed (pub/sub). */
const untilLive = async (from: MetricsBus, to: MetricsBus, id: string) => {
  const r = recorder(to, [id]);
  let v = 0;
  await vi.waitFor(
    () => {
      from.publish(snap(id, ++v));
      expect(r.got.length).toBeGreaterThan(0);
    },
    { timeout: 5_000, interval: 50 },
  );
};

describe('Redis bus without a Redis server', () => {
  it('publishes without throwing or waiting, delivers locally, and closes promptly', async () => {
    // A port with nothing listening: every connection attempt is refused.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const errors: unknown[] = [];
    const b = createRedisBus({ url: `redis://127.0.0.1:${port}`, onError: (e) => errors.push(e) });
    const local = recorder(b, ['a']);
    // publish is synchronous and returns nothing to await: a caller can never be held by Redis.
    for (let v = 1; v <= 1_000; v++) expect(b.publish(snap('a', v))).toBeUndefined();
    await local.waitFor(1_000);
    // close() settles although Redis never answered (a hang fails the test by its timeout).
    await b.close();
  });
});

describe.skipIf(!REDIS)('Redis bus (TEST_REDIS_URL)', () => {
  const channel = () => `ec:metrics:test:${randomBytes(6).toString('hex')}`;

  it('carries a publish on one instance to subscribers on another, and to its own exactly once', async () => {
    const ch = channel();
    const one = bus(REDIS!, ch);
    const two = bus(REDIS!, ch);
    await untilLive(one, two, 'warm-1');
    await untilLive(two, one, 'warm-2');
    const onOne = recorder(one, ['a']);
    const onTwo = recorder(two, ['a']);
    one.publish(snap('a', 1));
    await onTwo.waitFor(1);
    // Redis keeps order on a channel: once one's subscriber sees two's later message, its own echo
    // of version 1 has arrived too (and must have been skipped).
    two.publish(snap('a', 2));
    await onOne.waitFor(2);
    expect(onOne.versions()).toEqual([1, 2]);
    expect(onTwo.versions()).toEqual([1, 2]);
  });

  it('carries comments across instances, every one and in order, next to snapshots in the old message shape', async () => {
    const ch = channel();
    const one = bus(REDIS!, ch);
    const two = bus(REDIS!, ch);
    await untilLive(one, two, 'warm');
    const comments: string[] = [];
    const onTwo = recorder(two, ['a']);
    two.subscribe(['a'], () => {}, { onComment: (c) => comments.push(c.body) });
    const comment = (body: string) => ({ id: body, exposeId: 'a', body, authorName: 'A', createdAt: new Date(0).toISOString() });
    one.publishComment(comment('first'));
    one.publishComment(comment('second'));
    // A snapshot message from an instance that predates live comments: the shape is unchanged.
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS!);
    await raw.publish(ch, JSON.stringify({ i: 'old-instance', s: snap('a', 7) }));
    raw.disconnect();
    await onTwo.waitFor(7);
    await vi.waitFor(() => expect(comments).toEqual(['first', 'second']));
  });

  it('ignores malformed messages on the channel', async () => {
    const ch = channel();
    const errors: unknown[] = [];
    const one = createRedisBus({ url: REDIS!, channel: ch, onError: (e) => errors.push(e) });
    buses.push(one);
    const two = bus(REDIS!, ch);
    await untilLive(two, one, 'warm');
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS!);
    await raw.publish(ch, 'not json');
    await raw.publish(ch, JSON.stringify({ i: 'x', s: { exposeId: 'a', version: -1 } }));
    raw.disconnect();
    await vi.waitFor(() => expect(errors.length).toBe(2));
  });

  it('survives an outage: writes never fail, subscribers are told to re-read, parked changes go out', async () => {
    const ch = channel();
    const proxy = await startTcpProxy(new URL(REDIS!));
    proxies.push(proxy);
    const flaky = bus(proxy.url, ch); // this instance loses Redis
    const steady = bus(REDIS!, ch);
    await untilLive(steady, flaky, 'warm-1');
    await untilLive(flaky, steady, 'warm-2');
    const gaps = vi.fn();
    const onFlaky = recorder(flaky, ['a'], gaps);
    const onSteady = recorder(steady, ['a']);

    proxy.cut();
    steady.publish(snap('a', 1)); // missed by flaky while it is cut off
    expect(flaky.publish(snap('a', 2))).toBeUndefined(); // no throw, nothing to wait for
    expect(flaky.publish(snap('a', 3))).toBeUndefined();
    await onFlaky.waitFor(3); // local subscribers still get it
    expect(gaps).not.toHaveBeenCalled();

    proxy.restore();
    // The subscriber is back and tells its streams to re-read what they may have missed...
    await vi.waitFor(() => expect(gaps).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    // ...and the latest change parked during the outage reaches the other instance.
    await vi.waitFor(() => expect(onSteady.versions()).toContain(3), { timeout: 10_000 });
    expect(onSteady.versions()).not.toContain(2);
    // and live traffic flows both ways again
    steady.publish(snap('a', 4));
    await onFlaky.waitFor(4);
  }, 30_000);

  it('survives a stall (connected, never answering): publishes time out and are parked, then go out', async () => {
    const ch = channel();
    const proxy = await startTcpProxy(new URL(REDIS!));
    proxies.push(proxy);
    const errors: unknown[] = [];
    const stuck = createRedisBus({ url: proxy.url, channel: ch, commandTimeoutMs: 200, onError: (e) => errors.push(e) });
    buses.push(stuck);
    const steady = bus(REDIS!, ch);
    await untilLive(stuck, steady, 'warm-1');
    const onStuck = recorder(stuck, ['a']);
    const onSteady = recorder(steady, ['a']);

    proxy.stall();
    stuck.publish(snap('a', 1)); // returns at once, nothing awaited
    stuck.publish(snap('a', 2));
    await onStuck.waitFor(2); // local subscribers still get it
    // the publishes time out (reported, not thrown) and the stuck connection is renewed
    await vi.waitFor(() => expect(errors.map((e) => String(e))).toContain('Error: Command timed out'), { timeout: 5_000 });

    proxy.restore();
    // the latest change parked meanwhile reaches the other instance
    await vi.waitFor(() => expect(onSteady.versions()).toContain(2), { timeout: 10_000 });
  }, 30_000);
});

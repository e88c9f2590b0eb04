import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyMetrics } from '@/lib/contracts/metrics';
import type { LiveSnapshot, MetricsBus } from '@/lib/server/live/bus';
import { createMemoryBus } from '@/lib/server/live/memory-bus';
import { prepareMetricsStream, type MetricsStreamOptions } from '@/lib/server/live/metrics-stream';
import { parseEvents } from './sse-client';

const snap = (exposeId: string, version: number): LiveSnapshot => ({ exposeId, version, metrics: emptyMetrics() });

/** Just enough of a ServerResponse to watch what the stream writes. */
class FakeResponse extends EventEmitter {
  status = 0;
  head: Record<string, unknown> = {};
  body = '';
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  socket: { destroyed: boolean } | null = { destroyed: false };
  setHeader(name: string, value: unknown) {
    this.head[name] = value;
  }
  writeHead(status: number, headers: Record<string, unknown>) {
    this.status = status;
    Object.assign(this.head, headers);
  }
  write(chunk: string) {
    this.body += chunk;
    return true;
  }
  end() {
    this.writableEnded = true;
    this.emit('close');
  }
  frames() {
    return this.body.split('\n\n').slice(0, -1);
  }
  asResponse() {
    return this as unknown as ServerResponse;
  }
}

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('metrics stream', () => {
  let bus: MetricsBus;
  beforeEach(() => {
    vi.useFakeTimers();
    bus = createMemoryBus();
  });
  afterEach(async () => {
    await bus.close();
    vi.useRealTimers();
  });
  const options = (read: MetricsStreamOptions['read'], extra: Partial<MetricsStreamOptions> = {}): MetricsStreamOptions => ({
    ids: ['a', 'b'],
    bus,
    read,
    keepAliveMs: 15_000,
    coalesceMs: 100,
    ...extra,
  });
  const flushBus = () => vi.advanceTimersByTime(0);

  it('writes the head, then retry, then the snapshots', async () => {
    const stream = await prepareMetricsStream(options(async () => [snap('a', 1), snap('b', 2)]));
    const res = new FakeResponse();
    stream.attach(res.asResponse(), { 'set-cookie': 'ec_sid=x' });
    expect(res.status).toBe(200);
    expect(res.head).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'set-cookie': 'ec_sid=x',
    });
    expect(res.frames()).toEqual([
      'retry: 3000',
      `event: metrics\ndata: ${JSON.stringify(snap('a', 1))}`,
      `event: metrics\ndata: ${JSON.stringify(snap('b', 2))}`,
    ]);
    stream.end();
  });

  it('subscribes before reading: a change committed during the read is sent, the stale read is not', async () => {
    const read = deferred<LiveSnapshot[]>();
    const preparing = prepareMetricsStream(options(() => read.promise));
    expect(bus.listenerCount()).toBe(1);
    bus.publish(snap('a', 5));
    flushBus();
    read.resolve([snap('a', 4), snap('b', 1)]);
    const stream = await preparing;
    const res = new FakeResponse();
    stream.attach(res.asResponse());
    expect(parseEvents(res.frames()).map((s) => `${s.exposeId}@${s.version}`)).toEqual(['a@5', 'b@1']);
    stream.end();
  });

  it('coalesces live changes per expose and sends keep-alive comments', async () => {
    const stream = await prepareMetricsStream(options(async () => [snap('a', 1)]));
    const res = new FakeResponse();
    stream.attach(res.asResponse());
    for (const v of [2, 3, 4]) bus.publish(snap('a', v));
    flushBus();
    // a@1 opened a window, so 2..4 wait for its end and go out as one event
    expect(parseEvents(res.frames()).map((s) => s.version)).toEqual([1]);
    vi.advanceTimersByTime(100);
    expect(parseEvents(res.frames()).map((s) => s.version)).toEqual([1, 4]);
    vi.advanceTimersByTime(15_000);
    expect(res.frames().at(-1)).toBe(': keep-alive');
    stream.end();
  });

  it('end frees the subscription and every timer, once', async () => {
    const ended = vi.fn();
    const stream = await prepareMetricsStream(options(async () => [snap('a', 1)]));
    stream.onEnd(ended);
    const res = new FakeResponse();
    stream.attach(res.asResponse());
    bus.publish(snap('a', 2));
    flushBus();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    res.emit('close'); // the client went away
    stream.end();
    expect(bus.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(res.writableEnded).toBe(true);
  });

  it('a failed initial read rejects and leaves nothing subscribed', async () => {
    await expect(prepareMetricsStream(options(async () => Promise.reject(new Error('db down'))))).rejects.toThrow('db down');
    expect(bus.listenerCount()).toBe(0);
  });

  it('ends at once when the client left during the initial read', async () => {
    const stream = await prepareMetricsStream(options(async () => []));
    const res = new FakeResponse();
    res.socket = { destroyed: true };
    stream.attach(res.asResponse());
    expect(bus.listenerCount()).toBe(0);
    expect(res.status).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops a client that stopped reading, and counts it', async () => {
    const seen = { sent: 0, dropped: 0 };
    const probe = { eventSent: () => seen.sent++, slowClientDropped: () => seen.dropped++, delivered: () => {}, busReceived: () => {} };
    const stream = await prepareMetricsStream(options(async () => [], { maxBufferedBytes: 1_000, probe }));
    const res = new FakeResponse();
    stream.attach(res.asResponse());
    res.writableLength = 5_000; // the socket buffer is not draining
    bus.publish(snap('a', 1));
    flushBus();
    expect(res.writableEnded).toBe(true);
    expect(bus.listenerCount()).toBe(0);
    expect(seen).toEqual({ sent: 1, dropped: 1 });
  });

  it('re-reads after a gap and sends only what is newer', async () => {
    let current = [snap('a', 1), snap('b', 1)];
    const gapBus = createMemoryBus();
    let onGap: (() => void) | undefined;
    const spyBus: MetricsBus = {
      ...gapBus,
      subscribe: (ids, listener, opts) => {
        onGap = opts?.onGap;
        return gapBus.subscribe(ids, listener, opts);
      },
    };
    const stream = await prepareMetricsStream(options(async () => current, { bus: spyBus }));
    const res = new FakeResponse();
    stream.attach(res.asResponse());
    current = [snap('a', 3), snap('b', 1)];
    vi.advanceTimersByTime(100);
    onGap!();
    await vi.waitFor(() => expect(parseEvents(res.frames())).toHaveLength(3));
    expect(parseEvents(res.frames()).map((s) => `${s.exposeId}@${s.version}`)).toEqual(['a@1', 'b@1', 'a@3']);
    stream.end();
    await gapBus.close();
  });
});

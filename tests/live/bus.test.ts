import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyMetrics, type MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot, type LiveSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import { createMemoryBus } from '@/lib/server/live/memory-bus';

const snap = (exposeId: string, version: number): LiveSnapshot => ({ exposeId, version, metrics: emptyMetrics() });

describe('in-process bus', () => {
  let bus: MetricsBus;
  let errors: unknown[];
  beforeEach(() => {
    vi.useFakeTimers();
    errors = [];
    bus = createMemoryBus({ onListenerError: (e) => errors.push(e) });
  });
  afterEach(async () => {
    await bus.close();
    vi.useRealTimers();
  });

  it('delivers to the subscribers of that expose only, after the publisher returns', () => {
    const a: LiveSnapshot[] = [];
    const ab: LiveSnapshot[] = [];
    bus.subscribe(['a'], (s) => a.push(s));
    bus.subscribe(['a', 'b'], (s) => ab.push(s));
    bus.publish(snap('b', 1));
    bus.publish(snap('c', 1));
    expect(ab).toEqual([]); // never inside the write path
    vi.runAllTimers();
    expect(a).toEqual([]);
    expect(ab.map((s) => s.exposeId)).toEqual(['b']);
    bus.publish(snap('a', 2));
    vi.runAllTimers();
    expect(a.map((s) => s.version)).toEqual([2]);
    expect(ab.map((s) => s.version)).toEqual([1, 2]);
  });

  it('delivers a burst for one expose once, with the highest version', () => {
    const got: number[] = [];
    bus.subscribe(['a'], (s) => got.push(s.version));
    bus.publish(snap('a', 3));
    bus.publish(snap('a', 5));
    bus.publish(snap('a', 4));
    vi.runAllTimers();
    expect(got).toEqual([5]);
  });

  it('delivers every comment (never coalesced) to subscribers of that expose, in order, before the snapshots of the turn', () => {
    const got: string[] = [];
    const comment = (exposeId: string, id: string) => ({ id, exposeId, body: id, authorName: 'A', createdAt: new Date(0).toISOString() });
    bus.subscribe(['a'], (s) => got.push(`metrics ${s.version}`), { onComment: (c) => got.push(`comment ${c.id}`) });
    bus.subscribe(['b'], () => {}); // no onComment: comments are simply not delivered to it
    bus.publishComment(comment('a', 'c1'));
    bus.publish(snap('a', 1));
    bus.publishComment(comment('b', 'x'));
    bus.publishComment(comment('a', 'c2'));
    bus.publish(snap('a', 2));
    expect(got).toEqual([]); // never inside the write path
    vi.runAllTimers();
    expect(got).toEqual(['comment c1', 'comment c2', 'metrics 2']);
  });

  it('counts subscriptions and frees them on unsubscribe (twice is harmless)', () => {
    const un1 = bus.subscribe(['a', 'b', 'a'], () => {});
    const un2 = bus.subscribe(['b'], () => {});
    expect(bus.listenerCount()).toBe(2);
    un1();
    un1();
    expect(bus.listenerCount()).toBe(1);
    un2();
    expect(bus.listenerCount()).toBe(0);
  });

  it('calls a listener once per event even when it asked for the id twice', () => {
    const got: number[] = [];
    bus.subscribe(['a', 'a'], (s) => got.push(s.version));
    bus.publish(snap('a', 1));
    vi.runAllTimers();
    expect(got).toEqual([1]);
  });

  it('does not call a listener that unsubscribed before delivery', () => {
    const got: number[] = [];
    const un = bus.subscribe(['a'], (s) => got.push(s.version));
    bus.publish(snap('a', 1));
    un();
    vi.runAllTimers();
    expect(got).toEqual([]);
  });

  it('isolates a throwing listener from the others and from the publisher', () => {
    const got: number[] = [];
    bus.subscribe(['a'], () => {
      throw new Error('boom');
    });
    bus.subscribe(['a'], (s) => got.push(s.version));
    expect(() => bus.publish(snap('a', 1))).not.toThrow();
    vi.runAllTimers();
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('close drops every subscription', async () => {
    bus.subscribe(['a'], () => {});
    await bus.close();
    expect(bus.listenerCount()).toBe(0);
  });
});

describe('publishSnapshot', () => {
  const full: MetricsSnapshot = { exposeId: 'a', version: 2, metrics: emptyMetrics(), myVote: 'upvote' };

  it('strips myVote before publishing', () => {
    const published: LiveSnapshot[] = [];
    const bus = { publish: (s: LiveSnapshot) => published.push(s) } as unknown as MetricsBus;
    publishSnapshot(bus, full);
    expect(published).toEqual([{ exposeId: 'a', version: 2, metrics: emptyMetrics() }]);
    expect(published[0]).not.toHaveProperty('myVote');
  });

  it('never throws into the write path', () => {
    const bus = {
      publish: () => {
        throw new Error('down');
      },
    } as unknown as MetricsBus;
    expect(() => publishSnapshot(bus, full)).not.toThrow();
    expect(() => publishSnapshot(undefined, full)).not.toThrow();
  });
});

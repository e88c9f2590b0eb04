import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refresh', () => {
  it('fetches all registered exposes in one request every 30 s', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1));
    engine.register(snap('b', 1));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(fake.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a,b']);
    expect(fake.last().method).toBe('GET');
    fake.last().respond(json(200, { items: [snap('a', 5, { views: 9 }), snap('b', 1)] }));
    await flush();
    expect(engine.getSnapshot('a')?.metrics.views).toBe(9);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls).toHaveLength(2);
  });

  it('skips ticks while something is pending or the tab is hidden, and catches up on return', async () => {
    const { engine, fake, signals } = makeEngine();
    engine.register(snap('a', 1));
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    fake.calls[0]?.respond(json(200, snap('a', 2, { shares: 1 })));
    signals.setVisible(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    signals.setVisible(true);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(1);
  });

  it('stops when the last expose is unregistered; refreshMetrics() shares one request', async () => {
    const { engine, fake } = makeEngine();
    const off = engine.register(snap('a', 1));
    const p1 = engine.refreshMetrics();
    const p2 = engine.refreshMetrics();
    expect(fake.calls).toHaveLength(1);
    fake.last().respond(json(500, { error: { code: 'internal', message: 'x' } }));
    expect(await Promise.all([p1, p2])).toEqual([false, false]);
    off();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.calls).toHaveLength(1);
    expect(engine.activeTimerCount).toBe(0);
  });
});

describe('refresh batching', () => {
  it('splits more than 100 ids into several requests', async () => {
    const { engine, fake } = makeEngine();
    for (let i = 0; i < 150; i++) engine.register(snap(`e${i}`, 1));
    const done = engine.refreshMetrics();
    expect(fake.calls).toHaveLength(1);
    expect(fake.last().url.split('ids=')[1]?.split(',')).toHaveLength(100);
    fake.last().respond(json(200, { items: [] }));
    await flush();
    expect(fake.calls).toHaveLength(2);
    expect(fake.last().url.split('ids=')[1]?.split(',')).toHaveLength(50);
    fake.last().respond(json(200, { items: [] }));
    await expect(done).resolves.toBe(true);
  });

  it('counts an expose shown by two cards until both are gone', async () => {
    const { engine, fake } = makeEngine();
    const offA = engine.register(snap('a', 1));
    const offB = engine.register(snap('a', 1));
    offA();
    offA(); // idempotent
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a']);
    fake.last().respond(json(200, { items: [] }));
    offB();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls).toHaveLength(1);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFaultInjector } from './fault-injector';
import { json, snap } from '../testing/fake-fetch';
import { makeEngine } from '../testing/make-engine';

const ok = () => json(200, snap('a', 2, { shares: 1 }));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FaultInjector', () => {
  it('fails the next N requests, then lets them through to the real fetch', async () => {
    const faults = createFaultInjector();
    faults.failNext(2, { type: 'status', status: 500 });
    const { engine, fake } = makeEngine({ responder: ok, transportInterceptor: faults.interceptor });
    const result = engine.share('a');
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    await expect(result).resolves.toBe(true);
    expect(fake.calls).toHaveLength(1); // only the third attempt reached the network
    expect(faults.getState().rules).toHaveLength(0);
  });

  it('answers 429 with Retry-After, which the engine honours', async () => {
    const faults = createFaultInjector();
    faults.failNext(1, { type: 'status', status: 429, retryAfterSeconds: 5 });
    const { engine, fake } = makeEngine({ responder: ok, transportInterceptor: faults.interceptor });
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(4999);
    expect(fake.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls).toHaveLength(1);
  });

  it('adds latency, and a hang is cut by the 15 s timeout', async () => {
    const faults = createFaultInjector();
    faults.setLatency(500);
    const { engine, fake, events } = makeEngine({ responder: ok, transportInterceptor: faults.interceptor });
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(499);
    expect(fake.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls).toHaveLength(1);
    faults.setLatency(0);
    faults.failNext(1, { type: 'hang' });
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(events.filter((e) => e.type === 'retry_scheduled')).toMatchObject([{ code: 'timeout' }]);
  });

  it('offline mode fails every request like a dropped connection; match limits a rule to some URLs', async () => {
    const faults = createFaultInjector();
    const seen: boolean[] = [];
    faults.subscribe((s) => seen.push(s.offline));
    faults.setOffline(true);
    const { engine, fake, events } = makeEngine({ responder: ok, transportInterceptor: faults.interceptor });
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(events.find((e) => e.type === 'retry_scheduled')).toMatchObject({ code: 'network' });
    faults.reset();
    faults.failNext(1, { type: 'network' }, '/api/expose/views');
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls.map((c) => c.path)).toEqual(['/api/expose/share']);
    expect(faults.getState().rules).toHaveLength(1);
    expect(seen).toEqual([true, false, false]);
  });
});

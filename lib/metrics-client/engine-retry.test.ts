import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';
const flush = () => vi.advanceTimersByTimeAsync(0);
const posts = <C extends { method: string }>(fake: { calls: C[] }) => fake.calls.filter((c) => c.method === 'POST');

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const t = makeEngine();
  t.engine.register(snap(ID, 10, { shares: 3 }, null));
  return t;
}

describe('retry schedule', () => {
  it('retries 5xx after exactly 1 s, 2 s and 4 s with the same Idempotency-Key, then rolls back', async () => {
    const { engine, fake, events } = setup();
    const result = engine.share(ID);
    await flush();
    expect(engine.getSnapshot(ID)?.metrics.shares).toBe(4);
    for (const [i, delay] of [1000, 2000, 4000].entries()) {
      fake.calls[i]?.respond(json(503, errorBody('unavailable')));
      await flush();
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(fake.calls).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.calls).toHaveLength(i + 2);
    }
    fake.calls[3]?.respond(json(503, errorBody('unavailable')));
    await expect(result).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posts(fake)).toHaveLength(4);
    expect(new Set(posts(fake).map((c) => c.headers['Idempotency-Key']))).toEqual(new Set(['op-1']));
    const view = engine.getSnapshot(ID);
    expect(view?.metrics.shares).toBe(3);
    expect(view?.error).toMatchObject({ code: 'unavailable', op: { id: 'op-1', kind: 'share' } });
    expect(view?.pendingCount).toBe(0);
    expect(events.filter((e) => e.type === 'retry_scheduled').map((e) => e.type === 'retry_scheduled' && e.delayMs)).toEqual([1000, 2000, 4000]);
    expect(events.find((e) => e.type === 'failure')).toMatchObject({ type: 'failure', opId: 'op-1', code: 'unavailable' });
  });

  it('never rolls back a write failing as a network error: it waits (1, 2, 4, 8, 15, 30 s) and keeps its key', async () => {
    const { engine, fake, events } = setup();
    const result = engine.share(ID);
    await flush();
    for (const delay of [1000, 2000, 4000, 8000, 15_000, 30_000, 30_000]) {
      const n = fake.calls.length;
      fake.last().fail();
      await flush();
      expect(engine.getSyncStatus()).toMatchObject({ offline: true, pending: 1 });
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(fake.calls).toHaveLength(n);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.calls).toHaveLength(n + 1);
    }
    expect(engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, error: null, pendingCount: 1 });
    expect(events.some((e) => e.type === 'queued_offline')).toBe(true);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(result).resolves.toBe(true);
    expect(new Set(posts(fake).map((c) => c.headers['Idempotency-Key']))).toEqual(new Set(['op-1']));
    expect(engine.getSyncStatus()).toMatchObject({ offline: false, pending: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'synced' });
  });

  it('goes again at once when the browser comes back online', async () => {
    const { engine, fake, signals } = setup();
    void engine.share(ID);
    await flush();
    signals.setOnline(false);
    fake.last().fail();
    await flush();
    signals.setOnline(true);
    await flush();
    expect(fake.calls).toHaveLength(2);
  });

  it('aborts a request after 15 s and retries it as a timeout', async () => {
    const { engine, fake, events } = setup();
    void engine.share(ID);
    await flush();
    const first = fake.last();
    await vi.advanceTimersByTimeAsync(14_999);
    expect(first.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.signal.aborted).toBe(true);
    expect(events.find((e) => e.type === 'retry_scheduled')).toMatchObject({ code: 'timeout', delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_input'],
    [404, 'not_found'],
    [410, 'expired'],
    [422, 'idempotency_key_reused'],
  ])('does not retry a %i (%s): final at once', async (status, code) => {
    const { engine, fake } = setup();
    const result = engine.share(ID);
    await flush();
    fake.last().respond(json(status, errorBody(code)));
    await expect(result).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posts(fake)).toHaveLength(1);
    expect(engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 3 }, error: { code } });
  });

  it('honours Retry-After on 429 instead of the 1 s step', async () => {
    const { engine, fake } = setup();
    const result = engine.share(ID);
    await flush();
    fake.last().respond(json(429, errorBody('rate_limited'), { 'Retry-After': '7' }));
    await flush();
    await vi.advanceTimersByTimeAsync(6999);
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls).toHaveLength(2);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(result).resolves.toBe(true);
  });

  it('retries 409 idempotency_key_in_use and 5xx, then succeeds with the reply applied once', async () => {
    const { engine, fake } = setup();
    const result = engine.share(ID);
    await flush();
    fake.last().respond(json(409, errorBody('idempotency_key_in_use'), { 'Retry-After': '1' }));
    await vi.advanceTimersByTimeAsync(1000);
    fake.last().respond(json(503, errorBody('unavailable')));
    await vi.advanceTimersByTimeAsync(2000);
    expect(fake.calls).toHaveLength(3);
    expect(engine.getSnapshot(ID)?.metrics.shares).toBe(4);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(result).resolves.toBe(true);
    expect(engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, version: 11, isUpdating: false, error: null });
  });

  it('treats a 2xx with an unexpected body as retryable', async () => {
    const { engine, fake } = setup();
    const result = engine.share(ID);
    await flush();
    fake.last().respond(json(200, { nope: true }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls).toHaveLength(2);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(result).resolves.toBe(true);
  });
});

describe('retry after a final failure', () => {
  it('re-sends the failed op with its original Idempotency-Key and clears the error', async () => {
    const { engine, fake } = setup();
    const first = engine.share(ID);
    await flush();
    fake.last().respond(json(400, errorBody('invalid_input')));
    await first;
    const again = engine.retryFailed(ID);
    expect(engine.getSnapshot(ID)).toMatchObject({ error: null, metrics: { shares: 4 } });
    await flush();
    expect(fake.calls).toHaveLength(2);
    expect(fake.last().headers['Idempotency-Key']).toBe(fake.calls[0]?.headers['Idempotency-Key']);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(again).resolves.toBe(true);
  });
});

describe('offline', () => {
  it('waits for the online signal without spending retries', async () => {
    const { engine, fake, signals, events } = setup();
    signals.setOnline(false);
    const result = engine.share(ID);
    await flush();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.calls).toHaveLength(0);
    expect(engine.getSnapshot(ID)?.metrics.shares).toBe(4);
    expect(events.some((e) => e.type === 'queued_offline')).toBe(true);
    signals.setOnline(true);
    await flush();
    expect(fake.calls).toHaveLength(1);
    fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(result).resolves.toBe(true);
  });
});

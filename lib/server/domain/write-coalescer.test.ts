import { describe, expect, it, vi } from 'vitest';
import { DomainError } from './errors';
import { createWriteCoalescer } from './write-coalescer';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const tick = () => new Promise((r) => setImmediate(r));
const OPTS = { windowMs: 0, maxBatch: 100, maxPending: 10_000, deadlineMs: 2_000 };
/** What a shed write is rejected with: 503 unavailable with Retry-After. */
const isShed = (e: unknown) => e instanceof DomainError && e.code === 'unavailable' && (e.retryAfterSeconds ?? 0) >= 1;

describe('write coalescer', () => {
  it('sends requests that arrive together as one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const c = createWriteCoalescer<number, string>(async (_key, ops) => {
      batches.push(ops);
      return ops.map((o) => `r${o}`);
    }, OPTS);
    const replies = await Promise.all([1, 2, 3].map((n) => c.submit('hot', n)));
    expect(replies).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(c.pendingCount()).toBe(0);
  });

  it('queues what arrives during a write and sends it next, one batch in flight per key', async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const c = createWriteCoalescer<number, number>(async (_key, ops) => {
      batches.push(ops);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      inFlight--;
      return ops;
    }, OPTS);
    const first = c.submit('hot', 1);
    await tick();
    const later = [2, 3, 4].map((n) => c.submit('hot', n));
    await tick();
    expect(batches).toEqual([[1]]);
    gates[0]!.resolve();
    await first;
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
    expect(maxInFlight).toBe(1);
  });

  it('keeps keys apart and runs them side by side', async () => {
    const seen: string[] = [];
    const c = createWriteCoalescer<number, number>(async (key, ops) => {
      seen.push(`${key}:${ops.join(',')}`);
      return ops;
    }, OPTS);
    await Promise.all([c.submit('a', 1), c.submit('b', 2), c.submit('a', 3)]);
    expect(seen.sort()).toEqual(['a:1,3', 'b:2']);
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const c = createWriteCoalescer<number, number>(async (_k, ops) => {
      sizes.push(ops.length);
      return ops;
    }, { ...OPTS, maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit('hot', i)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  it('fails every request of a failed batch, and the next batch still runs', async () => {
    let calls = 0;
    const c = createWriteCoalescer<number, number>(async (_k, ops) => {
      calls++;
      if (calls === 1) throw new Error('commit failed');
      return ops;
    }, OPTS);
    const failed = await Promise.allSettled([c.submit('hot', 1), c.submit('hot', 2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await c.submit('hot', 3)).toBe(3);
    expect(c.pendingCount()).toBe(0);
  });

  it('waits windowMs for company when asked to', async () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const c = createWriteCoalescer<number, number>(async (_k, ops) => {
        batches.push(ops);
        return ops;
      }, { ...OPTS, windowMs: 20 });
      const a = c.submit('hot', 1);
      await vi.advanceTimersByTimeAsync(5);
      expect(batches).toEqual([]);
      const b = c.submit('hot', 2);
      await vi.advanceTimersByTimeAsync(20);
      expect(await Promise.all([a, b])).toEqual([1, 2]);
      expect(batches).toEqual([[1, 2]]);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('load shedding', () => {
    it('refuses a write at once when maxPending writes are already waiting or in flight', async () => {
      const gate = deferred<void>();
      const batches: number[][] = [];
      const c = createWriteCoalescer<number, number>(async (_k, ops) => {
        batches.push(ops);
        await gate.promise;
        return ops;
      }, { ...OPTS, maxBatch: 2, maxPending: 5 });
      const accepted = [1, 2, 3, 4, 5].map((n) => c.submit(n % 2 ? 'a' : 'b', n));
      const refused = await Promise.allSettled([c.submit('a', 6), c.submit('c', 7)]);
      expect(refused.map((r) => r.status === 'rejected' && isShed(r.reason))).toEqual([true, true]);
      expect(c.pendingCount()).toBe(5);
      gate.resolve();
      expect(await Promise.all(accepted)).toEqual([1, 2, 3, 4, 5]);
      // a refused write never reaches a batch
      expect(batches.flat().sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await c.submit('a', 8)).toBe(8);
    });

    it('drops a queued write whose deadline passes before its batch starts, and never runs it', async () => {
      vi.useFakeTimers();
      try {
        const gates: ReturnType<typeof deferred<void>>[] = [];
        const batches: number[][] = [];
        const c = createWriteCoalescer<number, number>(async (_k, ops) => {
          batches.push(ops);
          const gate = deferred<void>();
          gates.push(gate);
          await gate.promise;
          return ops;
        }, { ...OPTS, deadlineMs: 2_000 });
        const first = c.submit('hot', 1);
        await vi.advanceTimersByTimeAsync(0);
        expect(batches).toEqual([[1]]);
        // queued behind the slow batch
        const queued = c.submit('hot', 2);
        const outcome = queued.then(() => 'committed', (e: unknown) => (isShed(e) ? 'shed' : e));
        await vi.advanceTimersByTimeAsync(1_000);
        const late = c.submit('hot', 3);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(await outcome).toBe('shed');
        expect(c.pendingCount()).toBe(2);
        gates[0]!.resolve();
        expect(await first).toBe(1);
        await vi.advanceTimersByTimeAsync(0);
        expect(batches).toEqual([[1], [3]]);
        // 3's batch started before its deadline: it is answered when it commits, however long that takes
        await vi.advanceTimersByTimeAsync(5_000);
        gates[1]!.resolve();
        expect(await late).toBe(3);
        expect(batches.flat()).not.toContain(2);
        expect(c.pendingCount()).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});

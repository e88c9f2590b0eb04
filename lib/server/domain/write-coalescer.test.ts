import { describe, expect, it, vi } from 'vitest';
import { createCoalescer } from './write-coalescer';

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

describe('write coalescer', () => {
  it('sends requests that arrive together as one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const c = createCoalescer<number, string>(async (_key, ops) => {
      batches.push(ops);
      return ops.map((o) => `r${o}`);
    }, { windowMs: 0, maxBatch: 100 });
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
    const c = createCoalescer<number, number>(async (_key, ops) => {
      batches.push(ops);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      inFlight--;
      return ops;
    }, { windowMs: 0, maxBatch: 100 });
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
    const c = createCoalescer<number, number>(async (key, ops) => {
      seen.push(`${key}:${ops.join(',')}`);
      return ops;
    }, { windowMs: 0, maxBatch: 100 });
    await Promise.all([c.submit('a', 1), c.submit('b', 2), c.submit('a', 3)]);
    expect(seen.sort()).toEqual(['a:1,3', 'b:2']);
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const c = createCoalescer<number, number>(async (_k, ops) => {
      sizes.push(ops.length);
      return ops;
    }, { windowMs: 0, maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit('hot', i)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  it('fails every request of a failed batch, and the next batch still runs', async () => {
    let calls = 0;
    const c = createCoalescer<number, number>(async (_k, ops) => {
      calls++;
      if (calls === 1) throw new Error('commit failed');
      return ops;
    }, { windowMs: 0, maxBatch: 100 });
    const failed = await Promise.allSettled([c.submit('hot', 1), c.submit('hot', 2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await c.submit('hot', 3)).toBe(3);
    expect(c.pendingCount()).toBe(0);
  });

  it('waits windowMs for company when asked to', async () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const c = createCoalescer<number, number>(async (_k, ops) => {
        batches.push(ops);
        return ops;
      }, { windowMs: 20, maxBatch: 100 });
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
});

import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '@/lib/server/domain/errors';
import { createStreamRegistry } from '@/lib/server/live/stream-registry';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? `${err.code}/${err.retryAfterSeconds}` : 'other';
  }
};

describe('stream registry', () => {
  it('caps open streams per IP hash with rate_limited, and gives the slot back on release', () => {
    const r = createStreamRegistry({ maxStreams: 100, maxPerIp: 2 });
    const a1 = r.acquire('ip-a');
    r.acquire('ip-a');
    expect(codeOf(() => r.acquire('ip-a'))).toBe('rate_limited/5');
    expect(codeOf(() => r.acquire('ip-b'))).toBeUndefined();
    a1.release();
    a1.release(); // twice frees one slot only
    expect(codeOf(() => r.acquire('ip-a'))).toBeUndefined();
    expect(codeOf(() => r.acquire('ip-a'))).toBe('rate_limited/5');
    expect(r.openCount()).toBe(3);
  });

  it('caps open streams per instance with unavailable', () => {
    const r = createStreamRegistry({ maxStreams: 2, maxPerIp: 20 });
    r.acquire('a');
    const b = r.acquire('b');
    expect(codeOf(() => r.acquire('c'))).toBe('unavailable/5');
    b.release();
    expect(codeOf(() => r.acquire('c'))).toBeUndefined();
  });

  it('shutdown ends every stream, including one attached afterwards, and refuses new ones', () => {
    const r = createStreamRegistry({ maxStreams: 10, maxPerIp: 10 });
    const end1 = vi.fn();
    const end2 = vi.fn();
    r.acquire('a').onShutdown(end1);
    const late = r.acquire('a'); // still reading its first snapshot
    r.shutdown();
    expect(end1).toHaveBeenCalledTimes(1);
    late.onShutdown(end2);
    expect(end2).toHaveBeenCalledTimes(1);
    expect(codeOf(() => r.acquire('b'))).toBe('unavailable/1');
  });
});

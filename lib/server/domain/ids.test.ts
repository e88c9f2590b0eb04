import { describe, expect, it } from 'vitest';
import { newCommentId, newExposeId, newSessionId, randomToken } from './ids';

describe('random ids', () => {
  it('have the documented lengths and alphabet', () => {
    expect(newExposeId()).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(newCommentId()).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(newSessionId()).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('never repeat, across many pool refills', () => {
    const seen = new Set<string>();
    // 18 bytes do not divide 4096: ids straddle the refill boundary many times.
    for (let i = 0; i < 20_000; i++) seen.add(newSessionId());
    expect(seen.size).toBe(20_000);
  });

  it('are not constant or zero-filled (the pool is refilled, not reused)', () => {
    const zero = Buffer.alloc(18).toString('base64url');
    const tokens = Array.from({ length: 2_000 }, () => randomToken(18));
    expect(tokens).not.toContain(zero);
    // Every base64url character position varies: no byte of the pool is stuck.
    for (let pos = 0; pos < 24; pos++) expect(new Set(tokens.map((t) => t[pos])).size).toBeGreaterThan(20);
  });

  it('refuses a size larger than the pool', () => {
    expect(() => randomToken(5000)).toThrow(RangeError);
  });
});

// Named .tsx because vitest.config.ts only collects components/**/*.test.tsx.
import { describe, expect, it } from 'vitest';
import { excerpt, formatAge, formatTimeLeft } from './expose-time';

const NOW = Date.parse('2024-05-10T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const ahead = (ms: number) => new Date(NOW + ms).toISOString();
const M = 60_000;
const H = 60 * M;

describe('formatAge', () => {
  it.each([
    [ago(10_000), 'just now'],
    [ago(5 * M), '5m ago'],
    [ago(3 * H + 20 * M), '3h ago'],
    [ago(50 * H), '2d ago'],
    [ago(40 * 24 * H), '2024-03-31'],
  ])('%s -> %s', (createdAt, expected) => expect(formatAge(createdAt, NOW)).toBe(expected));
});

describe('formatTimeLeft', () => {
  it.each([
    [null, false, 'no expiry'],
    [ahead(3 * H + 20 * M), false, 'expires in 3h'],
    [ahead(45 * M), false, 'expires in 45m'],
    [ahead(12 * H - 5_000), false, 'expires in 12h'],
    [ahead(3 * H + 40 * M), false, 'expires in 4h'],
    [ahead(47 * H + 40 * M), false, 'expires in 2d'],
    [ahead(10_000), false, 'expires in 1m'],
    [ahead(5 * 24 * H), false, 'expires in 5d'],
    [ago(1000), false, 'expired'],
    [ahead(H), true, 'expired'],
  ] as const)('%s (expired=%s) -> %s', (expiresAt, expired, expected) =>
    expect(formatTimeLeft(expiresAt, expired, NOW)).toBe(expected),
  );
});

describe('excerpt', () => {
  it('keeps short text and cuts long text at a word', () => {
    expect(excerpt('short  text\n here')).toBe('short text here');
    const long = 'word '.repeat(100);
    const out = excerpt(long, 50);
    expect(out.endsWith('word…')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(50);
  });

  it('is its own excerpt, also when no word boundary is near the cut', () => {
    for (const body of ['word '.repeat(100), 'x'.repeat(500), `${'a'.repeat(150)} ${'b'.repeat(100)}`, 'short']) {
      const once = excerpt(body);
      expect(once.length).toBeLessThanOrEqual(200);
      expect(excerpt(once)).toBe(once);
    }
  });
});

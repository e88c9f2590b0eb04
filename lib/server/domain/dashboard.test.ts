import { describe, expect, it } from 'vitest';
import { quantile } from './dashboard';

describe('quantile from histogram buckets', () => {
  it('interpolates inside the bucket that holds the rank, like histogram_quantile', () => {
    // 4 in (0, 100], 2 in (250, 500]
    const b = [[100, 4], [250, 0], [500, 2], [Infinity, 0]] as const;
    expect(quantile(b, 0.5)).toBe(75); // rank 3 of 4 in the first bucket
    expect(quantile(b, 0.95)).toBeCloseTo(250 + 250 * (5.7 - 4) / 2); // rank 5.7: 1.7 of 2 into (250, 500]
    expect(quantile(b, 1)).toBe(500);
  });
  it('answers the highest finite bound for the +Inf bucket and null for an empty histogram', () => {
    expect(quantile([[1, 0], [Infinity, 3]], 0.5)).toBe(1);
    expect(quantile([[1, 0], [Infinity, 0]], 0.5)).toBeNull();
  });
});

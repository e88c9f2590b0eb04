import jstatModule from 'jstat';
import { describe, expect, it } from 'vitest';
import { assignVariant, bucketRanges, chooseVariant, unitHash } from './assignment';

const { jStat } = jstatModule;
// Fixed ids keep the statistical checks reproducible (SHA-256 makes sequential ids as good as random ones).
const ids = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-session-${i}`);

/** Pearson's chi-square statistic and its p-value for counts against expected shares. */
function chiSquare(counts: number[], shares: number[]) {
  const total = counts.reduce((a, c) => a + c, 0);
  const stat = counts.reduce((a, c, i) => a + (c - total * shares[i]!) ** 2 / (total * shares[i]!), 0);
  return { stat, p: 1 - jStat.chisquare.cdf(stat, counts.length - 1) };
}

describe('variant assignment', () => {
  it('is deterministic: the same session gets the same variant every time', () => {
    for (const id of ids(1000, 's')) {
      expect(assignVariant('exp-a', id, [1, 1], 1)).toBe(assignVariant('exp-a', id, [1, 1], 1));
    }
    expect(unitHash('exp-a', 'fixed-session')).toBe(unitHash('exp-a', 'fixed-session'));
  });

  it('splits 100,000 sessions uniformly: each variant within 1 % of its share, chi-square not significant', () => {
    const counts = [0, 0];
    for (const id of ids(100_000, 'u')) counts[assignVariant('exp-uniform', id, [1, 1], 1)]! += 1;
    for (const c of counts) expect(Math.abs(c / 100_000 - 0.5)).toBeLessThan(0.01);
    expect(chiSquare(counts, [0.5, 0.5]).p).toBeGreaterThan(0.001);

    // Ten equal buckets of the hash itself are uniform too (not only the 50/50 split).
    const deciles = Array(10).fill(0) as number[];
    for (const id of ids(100_000, 'd')) deciles[Math.floor(unitHash('exp-deciles', id) * 10)]! += 1;
    for (const c of deciles) expect(Math.abs(c / 100_000 - 0.1)).toBeLessThan(0.01);
    expect(chiSquare(deciles, Array(10).fill(0.1)).p).toBeGreaterThan(0.001);
  });

  it('honours unequal weights (20/30/50)', () => {
    const counts = [0, 0, 0];
    for (const id of ids(100_000, 'w')) counts[assignVariant('exp-weights', id, [2, 3, 5], 1)]! += 1;
    [0.2, 0.3, 0.5].forEach((share, i) => expect(Math.abs(counts[i]! / 100_000 - share)).toBeLessThan(0.01));
  });

  it('is independent between two experiments: the 2x2 table of assignments shows no association', () => {
    const table = [0, 0, 0, 0];
    for (const id of ids(100_000, 'i')) {
      table[assignVariant('exp-one', id, [1, 1], 1) * 2 + assignVariant('exp-two', id, [1, 1], 1)]! += 1;
    }
    // Under independence each cell holds a quarter.
    for (const c of table) expect(Math.abs(c / 100_000 - 0.25)).toBeLessThan(0.01);
    expect(chiSquare(table, [0.25, 0.25, 0.25, 0.25]).p).toBeGreaterThan(0.001);
  });

  it('never moves a session between variants when the traffic share grows', () => {
    const sessions = ids(20_000, 't');
    const at = (traffic: number) => sessions.map((id) => assignVariant('exp-ramp', id, [1, 1], traffic));
    const steps = [0.05, 0.1, 0.25, 0.5, 1].map(at);
    for (let s = 1; s < steps.length; s += 1) {
      steps[s - 1]!.forEach((before, i) => {
        if (before !== -1) expect(steps[s]![i]).toBe(before);
      });
    }
    const included = (v: number[]) => v.filter((x) => x !== -1).length / v.length;
    expect(Math.abs(included(steps[0]!) - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(included(steps[3]!) - 0.5)).toBeLessThan(0.02);
    expect(included(steps[4]!)).toBe(1);
  });

  it('traffic 0 includes nobody; ranges follow the weights', () => {
    expect(bucketRanges([1, 1], 0.5)).toEqual([
      [0, 0.25],
      [0.5, 0.75],
    ]);
    expect(chooseVariant(0.3, bucketRanges([1, 1], 0.5))).toBe(-1);
    expect(chooseVariant(0.6, bucketRanges([1, 1], 0.5))).toBe(1);
    expect(ids(1000, 'z').every((id) => assignVariant('exp-zero', id, [1, 1], 0) === -1)).toBe(true);
    expect(() => bucketRanges([0, 0], 1)).toThrow();
  });
});

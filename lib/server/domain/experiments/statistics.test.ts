import { describe, expect, it } from 'vitest';
import { momentsFromSums, sampleRatioMismatch, sampleSizeForProportion, twoProportionTest, welchTest } from './statistics';

const moments = (xs: number[]) => momentsFromSums(xs.length, xs.reduce((a, x) => a + x, 0), xs.reduce((a, x) => a + x * x, 0));

describe('two-proportion z-test', () => {
  it('matches a hand computation: 45/100 against 56/100', () => {
    // Pooled p = 101/200 = 0.505; SE0 = sqrt(0.505 * 0.495 * (1/100 + 1/100)) = 0.0707088;
    // z = 0.11 / 0.0707088 = 1.5557; two-sided p = 2 * (1 - Φ(1.5557)) = 0.1198
    // (R: prop.test(c(56, 45), c(100, 100), correct = FALSE) gives X² = 2.4203 = z², p = 0.1198).
    const r = twoProportionTest({ successes: 45, trials: 100 }, { successes: 56, trials: 100 });
    expect(r.absoluteLift).toBeCloseTo(0.11, 10);
    expect(r.pValue).toBeCloseTo(0.1198, 4);
    // Unpooled SE = sqrt(0.45*0.55/100 + 0.56*0.44/100) = 0.070285; 95 % CI = 0.11 ± 1.95996 * SE.
    expect(r.absoluteInterval[0]).toBeCloseTo(0.11 - 1.959964 * 0.070285, 4);
    expect(r.absoluteInterval[1]).toBeCloseTo(0.11 + 1.959964 * 0.070285, 4);
    // Relative lift 0.56 / 0.45 - 1 = 0.2444.
    expect(r.relativeLift).toBeCloseTo(0.24444, 4);
  });

  it('a large, clear difference is significant and its interval excludes 0', () => {
    const r = twoProportionTest({ successes: 1000, trials: 10_000 }, { successes: 1200, trials: 10_000 });
    // z = 0.02 / sqrt(0.11 * 0.89 * 0.0002) = 4.520; p = 6.2e-6.
    expect(r.pValue).toBeCloseTo(6.2e-6, 6);
    expect(r.absoluteInterval[0]).toBeGreaterThan(0);
    expect(r.relativeInterval![0]).toBeGreaterThan(0);
  });

  it('identical groups give p = 1; a zero control has no relative lift', () => {
    expect(twoProportionTest({ successes: 0, trials: 50 }, { successes: 0, trials: 50 }).pValue).toBe(1);
    expect(twoProportionTest({ successes: 0, trials: 50 }, { successes: 3, trials: 50 }).relativeLift).toBeNull();
    expect(() => twoProportionTest({ successes: 0, trials: 0 }, { successes: 0, trials: 1 })).toThrow(RangeError);
  });
});

describe("Welch's t-test", () => {
  it("matches Wikipedia's worked example (A1 against A2): t = -2.46, df = 24.99, p = 0.021", () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    // The example reports A1 - A2; ours is treatment - control, so A2 is the control and A1 the treatment.
    const r = welchTest(moments(a2), moments(a1));
    expect(r.t).toBeCloseTo(-2.46, 2);
    expect(r.df).toBeCloseTo(24.99, 1);
    expect(r.pValue).toBeCloseTo(0.021, 3);
    expect(r.absoluteInterval[1]).toBeLessThan(0);
  });

  it('computes moments from sums exactly as from the samples', () => {
    const m = moments([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.mean).toBe(5);
    expect(m.variance).toBeCloseTo(32 / 7, 12);
    expect(() => welchTest(moments([1]), moments([1, 2]))).toThrow(RangeError);
  });
});

describe('sample-ratio mismatch', () => {
  it('computes Pearson chi-square by hand: 50,000 against 51,000 on 50/50', () => {
    // Expected 50,500 each: (500² / 50,500) * 2 = 9.901; df 1; p = 0.00165: suspicious but under the flag.
    const r = sampleRatioMismatch([50_000, 51_000], [1, 1]);
    expect(r.chiSquare).toBeCloseTo(9.901, 3);
    expect(r.pValue).toBeCloseTo(0.00165, 5);
    expect(r.mismatch).toBe(false);
  });

  it('flags a deliberately skewed split and passes a fair one', () => {
    expect(sampleRatioMismatch([10_000, 9_500], [1, 1]).mismatch).toBe(true);
    expect(sampleRatioMismatch([10_030, 9_970], [1, 1]).mismatch).toBe(false);
    // Weights are honoured: 20/80 observed on a 20/80 split is fine, on 50/50 it is a mismatch.
    expect(sampleRatioMismatch([2_000, 8_000], [1, 4]).mismatch).toBe(false);
    expect(sampleRatioMismatch([2_000, 8_000], [1, 1]).mismatch).toBe(true);
    expect(sampleRatioMismatch([0, 0], [1, 1]).mismatch).toBe(false);
  });
});

describe('planned sample size', () => {
  it('matches the textbook formula: baseline 10 %, +20 % relative, alpha 0.05, power 0.8 → 3,841 per variant', () => {
    // p1 = 0.10, p2 = 0.12, p̄ = 0.11: (1.959964 * sqrt(2 * 0.11 * 0.89) + 0.841621 * sqrt(0.09 + 0.1056))² / 0.02²
    // = (0.869524 + 0.372238)² / 0.0004 = 3,840.6 → 3,841.
    expect(sampleSizeForProportion(0.1, 0.2)).toBe(3841);
    expect(() => sampleSizeForProportion(0, 0.2)).toThrow(RangeError);
  });
});

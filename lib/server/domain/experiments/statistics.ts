import jstatModule from 'jstat';

const { jStat } = jstatModule;

/**
 * Fixed-horizon frequentist statistics for A/B results; the distributions come from jStat. Each test
 * compares a treatment (b) with the control (a) and reports the absolute lift (b - a), the relative
 * lift (b / a - 1, delta method), their confidence intervals and a two-sided p-value.
 */

export interface Comparison {
  control: number;
  treatment: number;
  absoluteLift: number;
  absoluteInterval: [number, number];
  /** null when the control is 0 (no relative lift exists). */
  relativeLift: number | null;
  relativeInterval: [number, number] | null;
  pValue: number;
}

export interface Proportion {
  successes: number;
  trials: number;
}

export interface SampleMoments {
  mean: number;
  /** The sample variance (n - 1 in the denominator). */
  variance: number;
  n: number;
}

const zFor = (confidence: number) => jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);

/** b/a - 1 with its delta-method standard error, from two independent estimates and their variances. */
function relative(a: number, varA: number, b: number, varB: number, critical: number) {
  if (a === 0) return { relativeLift: null, relativeInterval: null };
  const lift = b / a - 1;
  const se = Math.sqrt(varB / a ** 2 + (b ** 2 * varA) / a ** 4);
  return { relativeLift: lift, relativeInterval: [lift - critical * se, lift + critical * se] as [number, number] };
}

/**
 * Two-proportion z-test (no continuity correction; z² equals R's `prop.test(correct = FALSE)` statistic).
 * The test uses the pooled rate under H0; the interval uses the unpooled standard error.
 */
export function twoProportionTest(a: Proportion, b: Proportion, confidence = 0.95): Comparison {
  if (a.trials <= 0 || b.trials <= 0) throw new RangeError('both groups need at least one trial');
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const varA = (pa * (1 - pa)) / a.trials;
  const varB = (pb * (1 - pb)) / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  const diff = pb - pa;
  const pValue = se0 === 0 ? 1 : 2 * (1 - jStat.normal.cdf(Math.abs(diff / se0), 0, 1));
  const z = zFor(confidence);
  const se = Math.sqrt(varA + varB);
  return {
    control: pa,
    treatment: pb,
    absoluteLift: diff,
    absoluteInterval: [diff - z * se, diff + z * se],
    ...relative(pa, varA, pb, varB, z),
    pValue,
  };
}

/** Welch's unequal-variance t-test, with the Welch–Satterthwaite degrees of freedom. */
export function welchTest(a: SampleMoments, b: SampleMoments, confidence = 0.95): Comparison & { t: number; df: number } {
  if (a.n < 2 || b.n < 2) throw new RangeError('both groups need at least two observations');
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const diff = b.mean - a.mean;
  const df = se === 0 ? a.n + b.n - 2 : (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = se === 0 ? 0 : diff / se;
  const critical = jStat.studentt.inv(1 - (1 - confidence) / 2, df);
  return {
    control: a.mean,
    treatment: b.mean,
    absoluteLift: diff,
    absoluteInterval: [diff - critical * se, diff + critical * se],
    ...relative(a.mean, va, b.mean, vb, critical),
    pValue: se === 0 ? 1 : 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)),
    t,
    df,
  };
}

/** Mean and sample variance from a count, a sum and a sum of squares (what SQL aggregates give). */
export function momentsFromSums(n: number, sum: number, sumOfSquares: number): SampleMoments {
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) : 0;
  return { mean, variance, n };
}

/** The p-value below which a split is flagged as a sample-ratio mismatch (the usual, strict threshold). */
export const SRM_THRESHOLD = 0.001;

/** Pearson's chi-square goodness of fit of observed counts against the configured weights. */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[]) {
  const total = observed.reduce((s, o) => s + o, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  if (total === 0 || observed.length < 2) return { chiSquare: 0, pValue: 1, mismatch: false };
  const chiSquare = observed.reduce((s, o, i) => {
    const expected = (total * weights[i]!) / weightSum;
    return s + (o - expected) ** 2 / expected;
  }, 0);
  const pValue = 1 - jStat.chisquare.cdf(chiSquare, observed.length - 1);
  return { chiSquare, pValue, mismatch: pValue < SRM_THRESHOLD };
}

/**
 * Sessions per variant for a two-sided two-proportion test to detect a relative change `mde` of the
 * baseline rate with the given significance and power (the normal-approximation formula).
 */
export function sampleSizeForProportion(baseline: number, mde: number, alpha = 0.05, power = 0.8): number {
  const p1 = baseline;
  const p2 = baseline * (1 + mde);
  if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1 && p1 !== p2)) throw new RangeError('baseline and effect must give two rates in (0, 1)');
  const zA = jStat.normal.inv(1 - alpha / 2, 0, 1);
  const zB = jStat.normal.inv(power, 0, 1);
  const mean = (p1 + p2) / 2;
  const n = (zA * Math.sqrt(2 * mean * (1 - mean)) + zB * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}

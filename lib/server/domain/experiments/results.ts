import type { ExperimentDefinition, ExperimentSummary } from '@/lib/contracts/experiments';
import type { ExperimentVariantAggregate } from '@/lib/server/store/port';
import { momentsFromSums, sampleRatioMismatch, sampleSizeForProportion, twoProportionTest, welchTest } from './statistics';

type VariantResult = ExperimentSummary['variants'][number];
type ComparisonResult = VariantResult['comparisons'][number];

/** The smallest bucket bound holding the q-quantile of the counts (null without data). */
export function bucketQuantile(buckets: readonly { leMs: number; n: number }[], q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.leMs - b.leMs);
  const total = sorted.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const b of sorted) {
    seen += b.n;
    if (seen >= q * total) return b.leMs;
  }
  return sorted[sorted.length - 1]!.leMs;
}

export const plannedExposures = (def: ExperimentDefinition): number =>
  'exposuresPerVariant' in def.plan ? def.plan.exposuresPerVariant : sampleSizeForProportion(def.plan.baselineRate, def.plan.minimumDetectableEffect);

const empty = (variant: string): ExperimentVariantAggregate => ({
  variant,
  exposures: 0,
  votes: 0,
  shares: 0,
  comments: 0,
  views: 0,
  total: 0,
  totalSquares: 0,
  operations: 0,
  rolledBack: 0,
  retries: 0,
});

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** A comparison without a test (a statistic the data cannot test honestly, or too little data). */
const describeOnly = (metric: string, control: number | null, treatment: number | null): ComparisonResult | null =>
  control === null || treatment === null
    ? null
    : {
        metric,
        control,
        treatment,
        absoluteLift: treatment - control,
        absoluteInterval: null,
        relativeLift: control === 0 ? null : treatment / control - 1,
        relativeInterval: null,
        pValue: null,
      };

function compare(control: ExperimentVariantAggregate, treatment: ExperimentVariantAggregate, latency: { control: number | null; treatment: number | null }): ComparisonResult[] {
  const out: ComparisonResult[] = [];
  const a = momentsFromSums(control.exposures, control.total, control.totalSquares);
  const b = momentsFromSums(treatment.exposures, treatment.total, treatment.totalSquares);
  if (a.n >= 2 && b.n >= 2) out.push({ metric: 'engagement', ...welchTest(a, b) });
  else {
    const d = describeOnly('engagement', a.n > 0 ? a.mean : null, b.n > 0 ? b.mean : null);
    if (d) out.push(d);
  }
  if (control.operations > 0 && treatment.operations > 0) {
    out.push({
      metric: 'rollback_ratio',
      ...twoProportionTest({ successes: control.rolledBack, trials: control.operations }, { successes: treatment.rolledBack, trials: treatment.operations }),
    });
  }
  const retries = describeOnly('retries_per_operation', ratio(control.retries, control.operations), ratio(treatment.retries, treatment.operations));
  if (retries) out.push(retries);
  const ack = describeOnly('ack_latency', latency.control, latency.treatment);
  if (ack) out.push(ack);
  // welchTest/twoProportionTest add fields (t, df) the wire format does not carry.
  return out.map(({ metric, control: c, treatment: t, absoluteLift, absoluteInterval, relativeLift, relativeInterval, pValue }) => ({
    metric,
    control: c,
    treatment: t,
    absoluteLift,
    absoluteInterval,
    relativeLift,
    relativeInterval,
    pValue,
  }));
}

/** Per-variant outcomes, comparisons with the control (the first variant), SRM and the plan. */
export function summarise(
  def: ExperimentDefinition,
  state: { status: ExperimentSummary['status']; active: boolean; weights: readonly number[]; startedAt: Date | null },
  data: { variants: ExperimentVariantAggregate[]; latency: { variant: string; leMs: number; n: number }[] },
): ExperimentSummary {
  const byKey = new Map(data.variants.map((v) => [v.variant, v]));
  const aggregates = def.variants.map((v) => byKey.get(v.key) ?? empty(v.key));
  const p50 = (key: string) => bucketQuantile(data.latency.filter((l) => l.variant === key), 0.5);
  const p95 = (key: string) => bucketQuantile(data.latency.filter((l) => l.variant === key), 0.95);
  const control = aggregates[0]!;
  const planned = plannedExposures(def);
  const srm = sampleRatioMismatch(
    aggregates.map((v) => v.exposures),
    state.weights,
  );
  const variants = aggregates.map((v, i): VariantResult => {
    const per = (x: number) => (v.exposures > 0 ? x / v.exposures : 0);
    return {
      key: v.variant,
      weight: state.weights[i]!,
      exposures: v.exposures,
      engagement: { votes: per(v.votes), shares: per(v.shares), comments: per(v.comments), views: per(v.views), total: per(v.total) },
      operations: v.operations,
      rollbackRatio: ratio(v.rolledBack, v.operations),
      retriesPerOperation: ratio(v.retries, v.operations),
      ackLatencyMs: { p50: p50(v.variant), p95: p95(v.variant) },
      comparisons: i === 0 ? [] : compare(control, v, { control: p50(control.variant), treatment: p50(v.variant) }),
    };
  });
  return {
    key: def.key,
    description: def.description,
    status: state.status,
    active: state.active,
    traffic: def.traffic,
    primaryMetric: def.primaryMetric,
    startedAt: state.startedAt?.toISOString() ?? null,
    plannedExposuresPerVariant: planned,
    srm,
    conclusive: !srm.mismatch && variants.every((v) => v.exposures >= planned),
    variants,
  };
}

import type { ExposedVariant } from '@/lib/contracts/experiments-shape';
import type { TelemetryOp } from '@/lib/contracts/telemetry-shape';
import { LATENCY_BOUNDS_MS } from '@/lib/server/store/analytics-queries';
import type { ExperimentOutcomeRow } from '@/lib/server/store/port';

/** The open-ended latency bucket, stored as the largest int (experiment_latency.le_ms is an int). */
export const OPEN_BUCKET_MS = 2_147_483_647;

/**
 * One telemetry batch as outcome rows, one per experiment the batch names (docs/EXPERIMENTS.md
 * "Outcomes"): acknowledged writes by kind (engagement), operations that ended (acknowledged or
 * rolled back: a dropped op never needed sending), rollbacks and retries (reliability), and the
 * click-to-acknowledgement latencies in the dashboard's buckets (perceived speed).
 */
export function outcomeRows(sessionId: string, exposed: readonly ExposedVariant[], ops: readonly TelemetryOp[]): ExperimentOutcomeRow[] {
  if (exposed.length === 0 || ops.length === 0) return [];
  const acked = (kind: TelemetryOp['kind']) => ops.filter((o) => o.kind === kind && o.outcome === 'acknowledged').length;
  const buckets = LATENCY_BOUNDS_MS.map(() => 0);
  for (const o of ops) {
    if (o.outcome !== 'acknowledged' || o.latencyMs === null) continue;
    buckets[LATENCY_BOUNDS_MS.findIndex((bound) => o.latencyMs! <= bound)]!++;
  }
  const latency = LATENCY_BOUNDS_MS.map((bound, i) => ({ leMs: Number.isFinite(bound) ? bound : OPEN_BUCKET_MS, n: buckets[i]! })).filter((b) => b.n > 0);
  const outcome = {
    votes: acked('vote'),
    shares: acked('share'),
    comments: acked('comment'),
    views: acked('view'),
    operations: ops.filter((o) => o.outcome !== 'dropped').length,
    rolledBack: ops.filter((o) => o.outcome === 'rolled_back').length,
    retries: ops.reduce((n, o) => n + o.retries, 0),
    latency,
  };
  // One row per experiment (a batch naming one twice counts once).
  const seen = new Set<string>();
  return exposed.flatMap((e) => {
    if (seen.has(e.experiment)) return [];
    seen.add(e.experiment);
    return [{ experimentKey: e.experiment, sessionId, variant: e.variant, ...outcome }];
  });
}

import { createHash } from 'node:crypto';
import type { TelemetryBatch } from '@/lib/contracts/telemetry-shape';
import type { ClientProbe } from '@/lib/server/observability/probes';
import { LATENCY_BOUNDS_MS } from '@/lib/server/store/analytics-queries';
import type { AnalyticsStore, ClientStatsRow } from '@/lib/server/store/port';
import type { Experiments } from './experiments/experiments';

export interface ClientTelemetryDeps {
  store: Pick<AnalyticsStore, 'addClientStats'>;
  now: () => Date;
  probe: ClientProbe;
  /** TELEMETRY_SAMPLE: the share of sessions whose telemetry is kept, 0..1. */
  sampleRate: number;
  /** Takes the outcomes of a batch that names the experiments the session was exposed to. */
  experiments?: Pick<Experiments, 'recordOutcomes'>;
}

/**
 * Whether a session is sampled: the same answer for a session every time (its telemetry is kept
 * whole or not at all), from a hash of its id, so no state is kept per session.
 */
export function isSampled(sessionId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const h = createHash('sha256').update('telemetry-sample\n').update(sessionId).digest();
  return h.readUInt32BE(0) / 2 ** 32 < rate;
}

const emptyRow = (at: Date, kind: string): ClientStatsRow => ({
  at,
  kind,
  operations: 0,
  acknowledged: 0,
  rolledBack: 0,
  dropped: 0,
  attempts: 0,
  retries: 0,
  timeouts: 0,
  exhausted: 0,
  errors: 0,
  latency: LATENCY_BOUNDS_MS.map(() => 0),
});

/** The batch summed per operation kind (uncaught errors under `page`), for one minute row each. */
export function aggregateBatch(batch: TelemetryBatch, at: Date): ClientStatsRow[] {
  const rows = new Map<string, ClientStatsRow>();
  const row = (kind: string) => {
    let r = rows.get(kind);
    if (!r) rows.set(kind, (r = emptyRow(at, kind)));
    return r;
  };
  for (const op of batch.ops) {
    const r = row(op.kind);
    r.operations++;
    if (op.outcome === 'acknowledged') r.acknowledged++;
    else if (op.outcome === 'rolled_back') r.rolledBack++;
    else r.dropped++;
    r.attempts += op.attempts;
    r.retries += op.retries;
    r.timeouts += op.timeouts;
    if (op.exhausted) r.exhausted++;
    if (op.outcome === 'acknowledged' && op.latencyMs !== null) {
      const i = LATENCY_BOUNDS_MS.findIndex((bound) => op.latencyMs! <= bound);
      r.latency[i]!++;
    }
  }
  const errors = batch.errors.reduce((n, e) => n + e.count, 0);
  if (errors > 0) row('page').errors += errors;
  return [...rows.values()];
}

/**
 * One browser batch (POST /api/telemetry): Prometheus series, and the per-minute client
 * reliability rows in one upsert. A session outside the sample is answered the same and changes
 * nothing. Returns whether the session is sampled.
 */
export async function recordClientTelemetry(deps: ClientTelemetryDeps, sessionId: string, batch: TelemetryBatch): Promise<boolean> {
  if (!isSampled(sessionId, deps.sampleRate)) return false;
  const rows = aggregateBatch(batch, deps.now());
  if (rows.length > 0) await deps.store.addClientStats(rows);
  // Its own statement after the minute rows: a failure here loses these outcomes, never counts twice
  // (the browser never re-sends a batch).
  if (batch.experiments?.length && deps.experiments) await deps.experiments.recordOutcomes(sessionId, batch.experiments, batch.ops);
  for (const op of batch.ops) deps.probe.operation(op);
  for (const v of batch.vitals) deps.probe.vital(v.name, v.value);
  for (const e of batch.errors) deps.probe.error(e.errorClass, e.count);
  if (batch.heapBytes !== undefined) deps.probe.heap(batch.heapBytes);
  return true;
}

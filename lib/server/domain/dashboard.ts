import type { DashboardExpose, DashboardSnapshot, EngagementSeries } from '@/lib/contracts/dashboard';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { LATENCY_BOUNDS_MS } from '@/lib/server/store/analytics-queries';
import type { AnalyticsStore, EngagementPoint, ExposeStore, MetricsStore } from '@/lib/server/store/port';
import type { AuditRecorder } from './audit';
import { notFound } from './errors';
import { readAudit } from './read-audit';

/**
 * The admin dashboard's figures (docs/ARCHITECTURE.md "Analytics"): engagement and client
 * reliability from the history tables (every instance's writes), server figures from this
 * process's metrics registry (since it started).
 */
export interface DashboardDeps {
  store: Pick<AnalyticsStore, 'engagementSeries' | 'topExposes' | 'clientStats' | 'dropSeries'> &
    Pick<ExposeStore, 'findExpose'> &
    Pick<MetricsStore, 'readAudit'>;
  now: () => Date;
  registry: Registry;
  audit: AuditRecorder;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Ranges of the events chart: [span, bucket]. */
const RANGES = { hour: [HOUR, 60], day: [DAY, 300], month: [30 * DAY, 3600] } as const;

/** Outcomes of ec_writes_total that mean "the server did its job" / "it failed". Client errors count in neither. */
const WRITE_OK = new Set(['applied', 'no_change', 'replayed', 'duplicate_view', 'over_ip_cap', 'bot']);
const WRITE_FAILED = new Set(['unavailable', 'error']);
/** Long-lived responses whose duration is not a response time. */
const NOT_LATENCY = new Set(['/api/expose/stream', '/api/dashboard/stream']);

/**
 * The q-quantile of a histogram given as (upper bound, count in that bucket) pairs in ascending
 * order, interpolated linearly inside the bucket (as Prometheus' histogram_quantile does); a
 * quantile in the +Inf bucket is the highest finite bound. Null when empty.
 */
export function quantile(buckets: readonly (readonly [number, number])[], q: number): number | null {
  const total = buckets.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const [upper, count] of buckets) {
    if (count > 0 && seen + count >= rank) {
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
    if (Number.isFinite(upper)) lower = upper;
  }
  return lower;
}

type Values = MetricValue<string>[];

/** Cumulative `_bucket` samples (summed over the label sets `keep` accepts) as per-bucket counts. */
function histogramBuckets(values: Values, keep: (labels: Partial<Record<string, string | number>>) => boolean): [number, number][] {
  const cumulative = new Map<number, number>();
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName;
    if (name !== undefined && !name.endsWith('_bucket')) continue;
    const le = Number(v.labels.le);
    if (Number.isNaN(le) || !keep(v.labels)) continue;
    cumulative.set(le, (cumulative.get(le) ?? 0) + v.value);
  }
  const sorted = [...cumulative.entries()].sort((a, b) => a[0] - b[0]);
  return sorted.map(([le, c], i) => [le, c - (i > 0 ? sorted[i - 1]![1] : 0)]);
}

const toMs = (s: number | null) => (s === null ? null : Math.round(s * 1000 * 10) / 10);
const roundRatio = (r: number | null) => (r === null ? null : Math.round(r * 10_000) / 10_000);
const div = (a: number, b: number) => (b > 0 ? a / b : null);

/** The series with a point for every bucket in [from, to) (zero where nothing happened). */
function filled(points: readonly EngagementPoint[], from: number, to: number, bucketSec: number): EngagementSeries {
  const step = bucketSec * 1000;
  const start = Math.floor(from / step) * step;
  const byT = new Map(points.map((p) => [p.at.getTime(), p]));
  const s: EngagementSeries = { bucketSec, t: [], views: [], upvotes: [], downvotes: [], shares: [], comments: [] };
  for (let t = start; t < to; t += step) {
    const p = byT.get(t);
    s.t.push(t / 1000);
    s.views.push(p?.views ?? 0);
    s.upvotes.push(p?.upvotes ?? 0);
    s.downvotes.push(p?.downvotes ?? 0);
    s.shares.push(p?.shares ?? 0);
    s.comments.push(p?.comments ?? 0);
  }
  return s;
}

async function series(deps: DashboardDeps, range: keyof typeof RANGES, now: Date, exposeId?: string): Promise<EngagementSeries> {
  const [span, bucketSec] = RANGES[range];
  const step = bucketSec * 1000;
  // The current bucket is included (it fills up live); the first one starts a whole span earlier.
  const to = Math.floor(now.getTime() / step) * step + step;
  const from = to - span;
  const points = await deps.store.engagementSeries({ from: new Date(from), to: new Date(to), bucketSec, exposeId });
  return filled(points, from, to, bucketSec);
}

function serverFigures(metrics: MetricObjectWithValues<MetricValue<string>>[]): DashboardSnapshot['server'] {
  const byName = new Map(metrics.map((m) => [m.name, m.values as Values]));
  const values = (name: string): Values => byName.get(`ec_${name}`) ?? [];
  let ok = 0;
  let failed = 0;
  for (const v of values('writes_total')) {
    const outcome = String(v.labels.outcome);
    if (WRITE_OK.has(outcome)) ok += v.value;
    else if (WRITE_FAILED.has(outcome)) failed += v.value;
  }
  const api = histogramBuckets(values('http_request_duration_seconds'), (l) => String(l.route).startsWith('/api/') && !NOT_LATENCY.has(String(l.route)));
  const dbQueries = new Set(values('db_query_duration_seconds').map((v) => String(v.labels.query)));
  const db = [...dbQueries]
    .map((query) => {
      const buckets = histogramBuckets(values('db_query_duration_seconds'), (l) => l.query === query);
      return { query, calls: buckets.reduce((s, [, c]) => s + c, 0), p95Ms: toMs(quantile(buckets, 0.95)) };
    })
    .filter((d) => d.calls > 0)
    .sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0) || a.query.localeCompare(b.query));
  return {
    writes: ok + failed,
    failedWrites: failed,
    writeSuccessRatio: roundRatio(div(ok, ok + failed)),
    apiRequests: api.reduce((s, [, c]) => s + c, 0),
    apiP50Ms: toMs(quantile(api, 0.5)),
    apiP95Ms: toMs(quantile(api, 0.95)),
    apiP99Ms: toMs(quantile(api, 0.99)),
    openStreams: values('live_streams_open').reduce((s, v) => s + v.value, 0),
    fanoutLagP95Ms: toMs(quantile(histogramBuckets(values('live_delivery_lag_seconds'), () => true), 0.95)),
    db,
  };
}

function vitalFigures(metrics: MetricObjectWithValues<MetricValue<string>>[]): DashboardSnapshot['vitals'] {
  const byName = new Map(metrics.map((m) => [m.name, m.values as Values]));
  const seconds = byName.get('ec_web_vitals_seconds') ?? [];
  const p75 = (name: string) => toMs(quantile(histogramBuckets(seconds, (l) => l.name === name), 0.75));
  const cls = quantile(histogramBuckets(byName.get('ec_web_vitals_cls') ?? [], () => true), 0.75);
  return { LCP: p75('LCP'), INP: p75('INP'), TTFB: p75('TTFB'), FCP: p75('FCP'), CLS: cls === null ? null : Math.round(cls * 1000) / 1000 };
}

async function clientFigures(deps: DashboardDeps, now: Date): Promise<DashboardSnapshot['client']> {
  const to = Math.floor(now.getTime() / MIN) * MIN + MIN;
  const from = to - HOUR;
  const rows = await deps.store.clientStats({ from: new Date(from), to: new Date(to), bucketSec: 60 });
  const sum = { operations: 0, acknowledged: 0, rolledBack: 0, retries: 0, timeouts: 0, exhausted: 0, errors: 0 };
  const latency = LATENCY_BOUNDS_MS.map(() => 0);
  const perMinute = new Map<number, { operations: number; acknowledged: number; rolledBack: number }>();
  for (const r of rows) {
    sum.operations += r.operations;
    sum.acknowledged += r.acknowledged;
    sum.rolledBack += r.rolledBack;
    sum.retries += r.retries;
    sum.timeouts += r.timeouts;
    sum.exhausted += r.exhausted;
    sum.errors += r.errors;
    r.latency.forEach((c, i) => (latency[i]! += c));
    const m = perMinute.get(r.at.getTime()) ?? { operations: 0, acknowledged: 0, rolledBack: 0 };
    m.operations += r.operations;
    m.acknowledged += r.acknowledged;
    m.rolledBack += r.rolledBack;
    perMinute.set(r.at.getTime(), m);
  }
  const buckets = LATENCY_BOUNDS_MS.map((b, i) => [b, latency[i]!] as const);
  const s = { t: [] as number[], operations: [] as number[], acknowledged: [] as number[], rolledBack: [] as number[] };
  for (let t = from; t < to; t += MIN) {
    const m = perMinute.get(t);
    s.t.push(t / 1000);
    s.operations.push(m?.operations ?? 0);
    s.acknowledged.push(m?.acknowledged ?? 0);
    s.rolledBack.push(m?.rolledBack ?? 0);
  }
  const ackP = (q: number) => {
    const v = quantile(buckets, q);
    return v === null ? null : Math.round(v);
  };
  return {
    ...sum,
    // Of the operations that reached an end the user sees: acknowledged or rolled back.
    successRatio: roundRatio(div(sum.acknowledged, sum.acknowledged + sum.rolledBack)),
    retriesPerOperation: div(sum.retries, sum.operations) === null ? null : Math.round((sum.retries / sum.operations) * 1000) / 1000,
    rollbackRatio: roundRatio(div(sum.rolledBack, sum.operations)),
    ackP50Ms: ackP(0.5),
    ackP95Ms: ackP(0.95),
    series: s,
  };
}

export async function readDashboard(deps: DashboardDeps): Promise<DashboardSnapshot> {
  const now = deps.now();
  const [hour, day, month, top, client, metrics] = await Promise.all([
    series(deps, 'hour', now),
    series(deps, 'day', now),
    series(deps, 'month', now),
    deps.store.topExposes({ now }),
    clientFigures(deps, now),
    deps.registry.getMetricsAsJSON(),
  ]);
  const ranked = top.map((r) => ({ ...r, lift: Math.round((((r.recent + 1) / 15) / ((r.prior + 1) / 60)) * 100) / 100 }));
  return {
    generatedAt: now.toISOString(),
    events: { hour, day, month },
    top: {
      now: ranked.slice(0, 10),
      // Rising: at least 3 events in the last 15 minutes, ordered by how much faster than the hour before.
      trending: ranked
        .filter((r) => r.recent >= 3)
        .sort((a, b) => b.lift - a.lift || b.recent - a.recent)
        .slice(0, 10),
    },
    server: serverFigures(metrics),
    client,
    vitals: vitalFigures(metrics),
  };
}

/** One expose's panel: its curve (24 h per 5 min, 30 days per hour), its count audit and drops. */
export async function readDashboardExpose(deps: DashboardDeps, exposeId: string): Promise<DashboardExpose> {
  const expose = await deps.store.findExpose(exposeId);
  if (!expose) throw notFound();
  const now = deps.now();
  const { days } = await readAudit(deps, exposeId); // flushes the audit, so the drops are current too
  const [day, month, dropped] = await Promise.all([
    series(deps, 'day', now, exposeId),
    series(deps, 'month', now, exposeId),
    deps.store.dropSeries({ from: new Date(now.getTime() - DAY), exposeId }),
  ]);
  return { exposeId, title: expose.title, day, month, audit: days, dropped };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { clusterScraper } from './cluster-metrics';
import { FastCounter, FastHistogram, type CounterChild, type HistogramChild } from './fast-metrics';
import { TELEMETRY_OP_KINDS, TELEMETRY_OUTCOMES } from '@/lib/contracts/telemetry-shape';
import {
  type ClientProbe,
  WRITE_KINDS,
  WRITE_OUTCOMES,
  type DbProbe,
  type LiveProbe,
  type MaintenanceProbe,
  type WriteKind,
  type WriteOutcome,
  type WritePathProbe,
} from './probes';

/** Every series starts with this (docs/OPERATIONS.md lists them all). */
export const METRIC_PREFIX = 'ec_';

const FAST_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const HTTP_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

export interface PoolStats {
  total: number;
  idle?: number;
  waiting?: number;
}

type Child = HistogramChild;
type Inc = { inc(v?: number): void };
const zeroed = (c: Inc): Inc => (c.inc(0), c);

/**
 * One registry per container (no module-level metrics: two containers in one test process never
 * share a counter). Label children are bound once, up front where the labels are a closed set and
 * on first use otherwise, so the hot paths only look up an object and add to it. Series touched on
 * every request use fast-metrics.ts (no allocation per observation); rare ones prom-client's own.
 */
export interface Telemetry {
  readonly registry: Registry;
  /** The text exposition of this process (cluster-metrics.ts aggregates workers). */
  scrape(): Promise<string>;
  readonly contentType: string;
  http(route: string, method: string, status: number, seconds: number): void;
  write(kind: WriteKind, outcome: WriteOutcome): void;
  rateLimited(action: string): void;
  readonly db: DbProbe;
  readonly writePath: WritePathProbe;
  readonly live: LiveProbe;
  readonly maintenance: MaintenanceProbe;
  /** Browser telemetry (POST /api/telemetry). */
  readonly client: ClientProbe;
  /** Gauges read when scraped: the write queue, pool, open streams, Redis connections. */
  watch(sources: Partial<WatchSources>): void;
}

export interface WatchSources {
  queueDepth: () => number;
  pool: () => PoolStats | undefined;
  openStreams: () => number;
  /** 1 = ready, 0 = down, per Redis connection role; absent when Redis is not configured. */
  redis: () => Record<string, boolean>;
}

/**
 * `clusterWorker`: this process is one of WEB_CONCURRENCY workers, so a scrape returns every
 * worker's series together (cluster-metrics.ts). `defaultMetrics: false` leaves out prom-client's
 * process metrics (tests that build many containers in one process).
 */
export function createTelemetry(opts: { defaultMetrics?: boolean; clusterWorker?: boolean } = {}): Telemetry {
  const registry = new Registry();
  const registers = [registry];
  const p = METRIC_PREFIX;
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });

  const httpHist = new FastHistogram({
    name: `${p}http_request_duration_seconds`,
    help: 'API and page requests by route template, method and status, from request start to the last byte.',
    labelNames: ['route', 'method', 'status'],
    buckets: HTTP_SECONDS,
    registers,
  });
  const httpChildren = new Map<string, Map<string, Map<number, Child>>>();

  const writes = new FastCounter({
    name: `${p}writes_total`,
    help: 'Write requests by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  // Every kind x outcome exists from the start (at 0), so rate() and ratios work before the first one.
  const writeChildren = Object.fromEntries(
    WRITE_KINDS.map((k) => [k, Object.fromEntries(WRITE_OUTCOMES.map((o) => [o, writes.child(k, o)]))]),
  ) as Record<WriteKind, Record<WriteOutcome, CounterChild>>;

  const rateLimits = new Counter({
    name: `${p}rate_limit_rejections_total`,
    help: 'Requests refused with 429 by the rate limit of their action.',
    labelNames: ['action'] as const,
    registers,
  });
  const rateChildren = new Map<string, Inc>();

  const batchHist = new FastHistogram({
    name: `${p}write_batch_size`,
    help: 'Operations per committed hot-write batch (group commit).',
    labelNames: ['kind'],
    buckets: BATCH_SIZES,
    registers,
  });
  const commitHist = new FastHistogram({
    name: `${p}write_commit_seconds`,
    help: 'From a hot write being queued to its batch having committed.',
    labelNames: ['kind'],
    buckets: FAST_SECONDS,
    registers,
  });
  const batchChildren = { vote: batchHist.child('vote'), view: batchHist.child('view') };
  const commitChildren = { vote: commitHist.child('vote'), view: commitHist.child('view') };

  const dbHist = new FastHistogram({
    name: `${p}db_query_duration_seconds`,
    help: 'Store queries by name (the storage port function; "transaction" is a whole write transaction).',
    labelNames: ['query'],
    buckets: FAST_SECONDS,
    registers,
  });
  const dbChildren = new Map<string, Child>();
  const dbErrors = new Counter({
    name: `${p}db_errors_total`,
    help: 'Failed store queries by SQLSTATE class (first two characters), or "connection" when there is none.',
    labelNames: ['class'] as const,
    registers,
  });

  const sources: Partial<WatchSources> = {};
  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({ name: `${p}${name}`, help, labelNames, registers, collect() { read(this); } });
  gauge('write_queue_depth', 'Hot writes accepted and not yet committed.', (g) => g.set(sources.queueDepth?.() ?? 0));
  const poolGauge = (name: string, field: keyof PoolStats, help: string) =>
    gauge(name, help, (g) => {
      const v = sources.pool?.()?.[field];
      if (v !== undefined) g.set(v);
    });
  poolGauge('db_pool_connections', 'total', 'Database connections open (PGlite: 1).');
  poolGauge('db_pool_idle_connections', 'idle', 'Database connections idle in the pool (PostgreSQL only).');
  poolGauge('db_pool_waiting_requests', 'waiting', 'Queries waiting for a free pool connection (PostgreSQL only).');
  gauge('live_streams_open', 'Open live (SSE) streams.', (g) => g.set(sources.openStreams?.() ?? 0));
  gauge(
    'redis_up',
    'Redis connection ready (1) or not (0), per connection role; absent without REDIS_URL.',
    (g) => {
      for (const [connection, up] of Object.entries(sources.redis?.() ?? {})) g.set({ connection }, up ? 1 : 0);
    },
    ['connection'],
  );

  const eventsSent = new FastCounter({
    name: `${p}live_events_sent_total`,
    help: 'Metrics events written to live streams.',
    labelNames: [],
    registers,
  }).child();
  const slowDropped = new Counter({
    name: `${p}live_slow_clients_dropped_total`,
    help: 'Live streams ended because the client fell too far behind.',
    registers,
  });
  const lagHist = new FastHistogram({
    name: `${p}live_delivery_lag_seconds`,
    help: 'From a publish to its hand-over to this instance’s stream listeners, by source (local or redis).',
    labelNames: ['source'],
    buckets: FAST_SECONDS,
    registers,
  });
  const lagChildren = { local: lagHist.child('local'), redis: lagHist.child('redis') };
  const busReceived = new FastCounter({
    name: `${p}live_bus_messages_received_total`,
    help: 'Messages this instance received from Redis pub/sub (all of them on plain Redis; only its watched shards on a Redis Cluster).',
    labelNames: [],
    registers,
  }).child();

  const maintenanceRuns = new Counter({
    name: `${p}maintenance_runs_total`,
    help: 'Maintenance runs by result.',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of ['ok', 'error']) zeroed(maintenanceRuns.labels(result));
  const maintenanceDeleted = new Counter({
    name: `${p}maintenance_deleted_rows_total`,
    help: 'Rows deleted by maintenance, by table.',
    labelNames: ['table'] as const,
    registers,
  });

  const client = clientSeries(registers);

  return {
    registry,
    contentType: registry.contentType,
    client,
    scrape: (opts.clusterWorker ? clusterScraper(registry) : undefined) ?? (() => registry.metrics()),
    http(route, method, status, seconds) {
      let byMethod = httpChildren.get(route);
      if (!byMethod) httpChildren.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let child = byStatus.get(status);
      if (!child) byStatus.set(status, (child = httpHist.child(route, method, String(status))));
      child.observe(seconds);
    },
    write: (kind, outcome) => writeChildren[kind][outcome].inc(),
    rateLimited(action) {
      let child = rateChildren.get(action);
      if (!child) rateChildren.set(action, (child = rateLimits.labels(action)));
      child.inc();
    },
    db: {
      query(name, seconds) {
        let child = dbChildren.get(name);
        if (!child) dbChildren.set(name, (child = dbHist.child(name)));
        child.observe(seconds);
      },
      error: (cls) => dbErrors.labels(cls).inc(),
    },
    writePath: {
      batch: (kind, size) => batchChildren[kind].observe(size),
      committed: (kind, seconds) => commitChildren[kind].observe(seconds),
    },
    live: {
      eventSent: () => eventsSent.inc(),
      slowClientDropped: () => slowDropped.inc(),
      delivered: (source, seconds) => lagChildren[source].observe(seconds),
      busReceived: () => busReceived.inc(),
    },
    maintenance: {
      ran(result, deleted = {}) {
        maintenanceRuns.labels(result).inc();
        for (const [table, n] of Object.entries(deleted)) maintenanceDeleted.labels(table).inc(n);
      },
    },
    watch(more) {
      Object.assign(sources, more);
    },
  };
}

/** Client-side figures have their own buckets: human-scale latencies, Web Vitals' ranges. */
const CLIENT_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const VITAL_SECONDS = [0.1, 0.2, 0.5, 0.8, 1, 1.8, 2.5, 4, 6, 10];
const CLS_BUCKETS = [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1];
const HEAP_BYTES = [8, 16, 32, 64, 128, 256, 512, 1024].map((mb) => mb * 1024 * 1024);
/** Distinct error classes kept as labels; later ones count as `other` (bounded cardinality). */
const MAX_ERROR_CLASSES = 50;

function clientSeries(registers: Registry[]): ClientProbe {
  const p = METRIC_PREFIX;
  const ops = new Counter({
    name: `${p}client_operations_total`,
    help: 'Browser operations by kind and outcome (acknowledged, rolled_back, dropped), from client telemetry.',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  for (const k of TELEMETRY_OP_KINDS) for (const o of TELEMETRY_OUTCOMES) zeroed(ops.labels(k, o));
  const counter = (name: string, help: string) => {
    const c = new Counter({ name: `${p}${name}`, help, labelNames: ['kind'] as const, registers });
    for (const k of TELEMETRY_OP_KINDS) zeroed(c.labels(k));
    return c;
  };
  const attempts = counter('client_attempts_total', 'Requests browsers sent for their operations, by kind.');
  const retries = counter('client_retries_total', 'Retries browsers scheduled for their operations, by kind.');
  const timeouts = counter('client_timeouts_total', 'Operation attempts that ended in the browser’s request timeout, by kind.');
  const exhausted = counter('client_retry_exhausted_total', 'Operations rolled back after every allowed retry failed, by kind.');
  const ack = new Histogram({
    name: `${p}client_ack_seconds`,
    help: 'Click (operation created in the browser) to acknowledgement, by kind.',
    labelNames: ['kind'] as const,
    buckets: CLIENT_SECONDS,
    registers,
  });
  const vitals = new Histogram({
    name: `${p}web_vitals_seconds`,
    help: 'Web Vitals reported by browsers (LCP, INP, TTFB, FCP), in seconds.',
    labelNames: ['name'] as const,
    buckets: VITAL_SECONDS,
    registers,
  });
  const cls = new Histogram({ name: `${p}web_vitals_cls`, help: 'Cumulative Layout Shift reported by browsers (unitless).', buckets: CLS_BUCKETS, registers });
  const errors = new Counter({
    name: `${p}client_errors_total`,
    help: 'Uncaught errors in browsers by error class (the class name only, never the message).',
    labelNames: ['class'] as const,
    registers,
  });
  const heap = new Histogram({ name: `${p}client_js_heap_bytes`, help: 'Used JS heap reported by browsers that expose it.', buckets: HEAP_BYTES, registers });
  const classes = new Set<string>();
  return {
    operation(op) {
      ops.labels(op.kind, op.outcome).inc();
      attempts.labels(op.kind).inc(op.attempts);
      retries.labels(op.kind).inc(op.retries);
      timeouts.labels(op.kind).inc(op.timeouts);
      if (op.exhausted) exhausted.labels(op.kind).inc();
      if (op.outcome === 'acknowledged' && op.latencyMs !== null) ack.labels(op.kind).observe(op.latencyMs / 1000);
    },
    vital(name, value) {
      if (name === 'CLS') cls.observe(value);
      else vitals.labels(name).observe(value / 1000);
    },
    error(errorClass, count) {
      if (!classes.has(errorClass) && classes.size < MAX_ERROR_CLASSES) classes.add(errorClass);
      errors.labels(classes.has(errorClass) ? errorClass : 'other').inc(count);
    },
    heap: (bytes) => heap.observe(bytes),
  };
}

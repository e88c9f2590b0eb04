import { z } from 'zod';

/** Every setting the server reads, parsed once from the environment (README "Configuration"). */
const envSchema = z.object({
  /** Production unless told otherwise: the built server must never run Next in development mode. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Comma-separated: the first signs, all verify (rotation without logging everyone out). */
  SESSION_SECRET: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.string().min(32, 'SESSION_SECRET: every secret must be at least 32 characters')).min(1))
    .optional(),
  /** The public origin (scheme://host[:port]) the app is reached at, e.g. behind a TLS proxy. */
  PUBLIC_URL: z
    .string()
    .transform((s, ctx) => {
      try {
        const url = new URL(s);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash) {
          return url.origin;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'PUBLIC_URL must be an http(s) origin such as https://example.org, without a path' });
      return z.NEVER;
    })
    .optional(),
  SEED_DEMO: z.enum(['0', '1']).default('1'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').optional(),
  /** Seed nodes of a Redis Cluster (`host:port,host:port`), instead of REDIS_URL: sharded pub/sub. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'REDIS_CLUSTER_NODES must be host:port pairs separated by commas')
    .optional(),
  /** Live fan-out channels on a Redis Cluster: exposes are hashed onto this many (docs/SCALING.md). */
  REDIS_PUBSUB_SHARDS: z.coerce.number().int().min(1).max(16_384).default(4096),
  /** A Redis command unanswered this long falls back (rate limits to memory; fan-out parks it). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
  /** Guards /api/metrics and admin pages; unset = loopback only (docs/SECURITY.md "Admin access"). */
  ADMIN_TOKEN: z.string().min(24, 'ADMIN_TOKEN must be at least 24 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Connections per process. 10: on 2 cores 5/10/20/40 served the hot views, votes and health
   * loads alike (the coalescer keeps one batch per expose in flight), and 10 leaves headroom for
   * statements waiting on row locks while WEB_CONCURRENCY x instances stays under max_connections.
   */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(1),
  /** 0 switches every rate limit off (benchmarks only). */
  RATE_LIMITS: z.enum(['0', '1']).default('1'),
  WRITE_PATH: z.enum(['coalesced', 'direct']).default('coalesced'),
  WRITE_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(50).default(0),
  WRITE_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(500),
  /** Load shedding: votes (and views) accepted and not yet committed, per process; more get 503. */
  WRITE_QUEUE_MAX: z.coerce.number().int().min(1).default(5000),
  /** A vote or view still queued (its batch not started) after this long gets 503 and is never written. */
  WRITE_DEADLINE_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
  /** Open live streams (SSE) per instance, and per client IP hash on one instance. */
  MAX_STREAMS: z.coerce.number().int().min(1).default(2000),
  MAX_STREAMS_PER_IP: z.coerce.number().int().min(1).default(20),
  /** Comment line on idle streams, under every proxy's idle timeout. */
  STREAM_KEEPALIVE_MS: z.coerce.number().int().min(10).max(120_000).default(15_000),
  /**
   * Time to receive a whole request (headers and body; bodies are at most 16 KiB): a client that
   * trickles its body is answered 408 and dropped. A live stream's request is complete at once.
   */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * A socket with no traffic either way for this long is closed. Above Fastify's 72 s keep-alive
   * (so a proxy's idle timeout, usually 60 s, ends idle connections first) and far above the
   * live streams' keep-alive comments, which count as traffic.
   */
  CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  /** How long the feed page's bytes are replayed to every visitor; 0 renders it per request. */
  PAGE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Votes per IP identity, expose and UTC day that move the public counters (docs/SECURITY.md "Count integrity"). */
  FREE_VOTES_PER_IP: z.coerce.number().int().min(0).max(1_000_000_000).default(30),
  /** Shares per IP identity, expose and UTC day that move the public counter. */
  FREE_SHARES_PER_IP: z.coerce.number().int().min(0).max(1_000_000_000).default(10),
  /** Counted votes per IP identity, expose and UTC day at most, those paid with a proof of work included. */
  MAX_VOTES_PER_IP: z.coerce.number().int().min(0).max(1_000_000_000).default(1000),
  /** Counted shares per IP identity, expose and UTC day at most. */
  MAX_SHARES_PER_IP: z.coerce.number().int().min(0).max(1_000_000_000).default(200),
  /**
   * Proof-of-work difficulty: the ALTCHA secret number is drawn from [0, this]; a solver tries
   * half of it on average (docs/SECURITY.md "Count integrity" has the measured times).
   */
  CHALLENGE_MAX_NUMBER: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  /** A challenge's solution is accepted this long after it was issued. */
  CHALLENGE_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  /** Counted views per IP identity, expose and UTC day; more are answered and not counted. */
  MAX_VIEWS_PER_IP: z.coerce.number().int().min(0).max(1_000_000_000).default(500),
  /** Share of browser sessions whose telemetry (POST /api/telemetry) is kept, 0..1. */
  TELEMETRY_SAMPLE: z.coerce.number().min(0).max(1).default(1),
  /** How often the admin dashboard's live stream sends a fresh snapshot. */
  DASHBOARD_PUSH_MS: z.coerce.number().int().min(250).max(60_000).default(5_000),
  /** Last resort of a graceful shutdown: exit 1 if draining and closing took longer than this. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** The experiments file (docs/EXPERIMENTS.md); the default one may be absent, a named one must exist. */
  EXPERIMENTS_FILE: z.string().min(1).optional(),
});

export interface AppConfig {
  dev: boolean;
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  /** SESSION_SECRET split at commas: the first signs, all verify. */
  sessionSecrets?: string[];
  /** PUBLIC_URL as an origin; https makes the session cookie Secure and adds HSTS. */
  publicOrigin?: string;
  seedDemo: boolean;
  redisUrl?: string;
  /** REDIS_CLUSTER_NODES: rate limits and live fan-out on a Redis Cluster (sharded pub/sub). */
  redisClusterNodes?: { host: string; port: number }[];
  redisPubsubShards: number;
  redisCommandTimeoutMs: number;
  redisConnectTimeoutMs: number;
  trustProxy: boolean;
  adminToken?: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  dbPoolSize: number;
  /** Worker processes (node:cluster); more than 1 needs DATABASE_URL and REDIS_URL. */
  webConcurrency: number;
  rateLimits: boolean;
  /** Hot-row write path for votes and views (docs/ARCHITECTURE.md "Hot-row writes"). */
  writePath: 'coalesced' | 'direct';
  writeBatchWindowMs: number;
  writeBatchMax: number;
  writeQueueMax: number;
  writeDeadlineMs: number;
  maxStreams: number;
  maxStreamsPerIp: number;
  streamKeepAliveMs: number;
  /** Feed page cache freshness (docs/ARCHITECTURE.md "Feed cache"); 0 = off. */
  pageCacheMs: number;
  /** Per IP identity, expose and UTC day (docs/SECURITY.md "Count integrity"). */
  freeVotesPerIp: number;
  maxViewsPerIp: number;
  freeSharesPerIp: number;
  maxVotesPerIp: number;
  maxSharesPerIp: number;
  challengeMaxNumber: number;
  challengeTtlMs: number;
  /** TELEMETRY_SAMPLE. */
  telemetrySample: number;
  /** DASHBOARD_PUSH_MS. */
  dashboardPushMs: number;
  /** docs/ARCHITECTURE.md "Shutdown": the force-exit timer after SIGTERM. */
  shutdownTimeoutMs: number;
  /** experiments.json, or EXPERIMENTS_FILE (then it must exist). */
  experimentsFile: { path: string; required: boolean };
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  dbConnectTimeoutMs: number;
  dbStatementTimeoutMs: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
    throw new ConfigError('Set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both.');
  }
  if (e.WEB_CONCURRENCY > 1 && !(e.DATABASE_URL && (e.REDIS_URL || e.REDIS_CLUSTER_NODES))) {
    throw new ConfigError(
      'WEB_CONCURRENCY > 1 needs DATABASE_URL and REDIS_URL (or REDIS_CLUSTER_NODES): the embedded database belongs to one process, ' +
        'and live updates and rate limits must be shared by all workers.',
    );
  }
  if (e.STREAM_KEEPALIVE_MS >= e.CONNECTION_TIMEOUT_MS) {
    throw new ConfigError('STREAM_KEEPALIVE_MS must be below CONNECTION_TIMEOUT_MS, or idle live streams are cut.');
  }
  if (e.MAX_VOTES_PER_IP < e.FREE_VOTES_PER_IP || e.MAX_SHARES_PER_IP < e.FREE_SHARES_PER_IP) {
    throw new ConfigError('MAX_VOTES_PER_IP and MAX_SHARES_PER_IP must be at least FREE_VOTES_PER_IP and FREE_SHARES_PER_IP.');
  }
  if (e.DATABASE_URL && !e.SESSION_SECRET) {
    throw new ConfigError(
      'SESSION_SECRET is required when DATABASE_URL is set (every instance must sign sessions with the same secret). ' +
        'Set it to a random string of at least 32 characters, e.g. `openssl rand -base64 48`.',
    );
  }
  return {
    dev: e.NODE_ENV === 'development',
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    sessionSecrets: e.SESSION_SECRET,
    publicOrigin: e.PUBLIC_URL,
    seedDemo: e.SEED_DEMO === '1',
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.split(',').map((pair) => {
      const at = pair.lastIndexOf(':');
      return { host: pair.slice(0, at), port: Number(pair.slice(at + 1)) };
    }),
    redisPubsubShards: e.REDIS_PUBSUB_SHARDS,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    redisConnectTimeoutMs: 2_000,
    trustProxy: e.TRUST_PROXY === '1',
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    dbPoolSize: e.DB_POOL_SIZE,
    webConcurrency: e.WEB_CONCURRENCY,
    rateLimits: e.RATE_LIMITS === '1',
    writePath: e.WRITE_PATH,
    writeBatchWindowMs: e.WRITE_BATCH_WINDOW_MS,
    writeBatchMax: e.WRITE_BATCH_MAX,
    writeQueueMax: e.WRITE_QUEUE_MAX,
    writeDeadlineMs: e.WRITE_DEADLINE_MS,
    maxStreams: e.MAX_STREAMS,
    maxStreamsPerIp: e.MAX_STREAMS_PER_IP,
    streamKeepAliveMs: e.STREAM_KEEPALIVE_MS,
    pageCacheMs: e.PAGE_CACHE_MS,
    freeVotesPerIp: e.FREE_VOTES_PER_IP,
    maxViewsPerIp: e.MAX_VIEWS_PER_IP,
    freeSharesPerIp: e.FREE_SHARES_PER_IP,
    maxVotesPerIp: e.MAX_VOTES_PER_IP,
    maxSharesPerIp: e.MAX_SHARES_PER_IP,
    challengeMaxNumber: e.CHALLENGE_MAX_NUMBER,
    challengeTtlMs: e.CHALLENGE_TTL_SECONDS * 1000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    telemetrySample: e.TELEMETRY_SAMPLE,
    dashboardPushMs: e.DASHBOARD_PUSH_MS,
    experimentsFile: { path: e.EXPERIMENTS_FILE ?? 'experiments.json', required: e.EXPERIMENTS_FILE !== undefined },
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
    dbConnectTimeoutMs: 2_000,
    dbStatementTimeoutMs: 2_500,
  };
}

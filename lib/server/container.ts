import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import type { AppConfig } from './config';
import { seedIfEmpty } from './domain/demo-content';
import { createHotWrites, type HotWrites } from './domain/hot-writes';
import type { IpCaps } from './domain/record-vote';
import { createAuditRecorder, type AuditRecorder } from './domain/audit';
import { createChallengeIssuer, type ChallengeIssuer } from './domain/challenge';
import { createExperiments, type Experiments } from './domain/experiments/experiments';
import { loadExperiments } from './domain/experiments/definitions';
import type { ExperimentDefinition } from '@/lib/contracts/experiments';
import { newExposeId } from './domain/ids';
import { startMaintenance, type MaintenanceLog } from './domain/maintenance';
import { createViewerHasher, type ViewerHasher } from './domain/viewer-hash';
import { createRateLimits, type RateLimits } from './http/rate-limits';
import { createDrainState, type DrainState } from './lifecycle/drain-state';
import { throttledErrorLog, type WarnLog } from './logging';
import { createTelemetry, type Telemetry } from './observability/telemetry';
import type { MetricsBus } from './live/bus';
import { createMemoryBus } from './live/memory-bus';
import { createRedisBus } from './live/redis-bus';
import { createShardedRedisBus } from './live/sharded-redis-bus';
import { openRedis } from './redis-client';
import { openPglite } from './store/open-pglite';
import { openPostgres } from './store/open-postgres';
import { createStore } from './store/open-store';
import type { Store } from './store/port';

/** Everything the process shares, chosen once from configuration. */
export interface Container {
  config: AppConfig;
  store: Store;
  /** Every accepted session secret, the signing one first (SESSION_SECRET rotation). */
  sessionSecrets: string[];
  rateLimits: RateLimits;
  redis?: Redis | Cluster;
  now: () => Date;
  newExposeId: () => string;
  /** Viewer keys for view de-duplication (and IP keys for the caps), with the daily salts cached. */
  viewers: ViewerHasher;
  /** Per-IP counted-write caps (docs/SECURITY.md "Count integrity"). */
  caps: IpCaps;
  /** Counted and dropped writes per expose and day, flushed to the audit table each second. */
  audit: AuditRecorder;
  /** Proof-of-work challenges beyond the free writes (signed with a key derived from SESSION_SECRET). */
  challenges: ChallengeIssuer;
  /** Live fan-out of committed metrics changes: in-process, or Redis pub/sub across instances. */
  bus: MetricsBus;
  /** Votes and views: coalesced per expose into one transaction per batch, or one per request. */
  hotWrites: HotWrites;
  /** The one metrics registry of this process (GET /api/metrics). */
  telemetry: Telemetry;
  /** A/B experiments of the client's update strategy (docs/EXPERIMENTS.md). */
  experiments: Experiments;
  /** Set when shutdown begins: readiness fails and new requests get 503 (lib/server/lifecycle). */
  drain: DrainState;
  /** Waits for accepted hot writes, then closes the bus, Redis and the store. */
  close(): Promise<void>;
}

/** SESSION_SECRET's list, else a secret generated once and kept in DATA_DIR (embedded mode only). */
function resolveSessionSecrets(config: AppConfig): string[] {
  if (config.sessionSecrets?.length) return config.sessionSecrets;
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'session-secret');
  try {
    return [readFileSync(file, 'utf8').trim()];
  } catch {
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return [secret];
  }
}

export async function openConfiguredStore(config: AppConfig): Promise<Store> {
  const db = config.databaseUrl
    ? await openPostgres({
        url: config.databaseUrl,
        poolSize: config.dbPoolSize,
        connectTimeoutMs: config.dbConnectTimeoutMs,
        statementTimeoutMs: config.dbStatementTimeoutMs,
      })
    : await openPglite(config.dataDir);
  return createStore(db);
}

export interface ContainerOverrides {
  store?: Store;
  now?: () => Date;
  rateLimitsEnabled?: boolean;
  /** Off in tests that call runMaintenance themselves; default on. */
  maintenance?: boolean;
  bus?: MetricsBus;
  /** The process's logger: maintenance failures (absent: stderr) and dependency errors (Redis; absent: nowhere). */
  log?: MaintenanceLog & Partial<WarnLog>;
  telemetry?: Telemetry;
  /** Instead of the experiments file. */
  experiments?: readonly ExperimentDefinition[];
}

const warnLogOf = (log: Partial<WarnLog> | undefined): WarnLog | undefined =>
  log?.warn ? { warn: log.warn.bind(log) } : undefined;

/** Without a logger given (scripts), failures still reach stderr. */
const stderrLog: MaintenanceLog = { error: (obj, msg) => console.error(msg, obj) };

export async function createContainer(config: AppConfig, overrides: ContainerOverrides = {}): Promise<Container> {
  const sessionSecrets = resolveSessionSecrets(config);
  // Before anything opens: a bad experiments file stops the start-up with its problems named.
  const definitions = overrides.experiments ?? loadExperiments(config.experimentsFile);
  const telemetry = overrides.telemetry ?? createTelemetry({ clusterWorker: config.webConcurrency > 1 });
  const store = overrides.store ?? (await openConfiguredStore(config));
  store.observeQueries?.(telemetry.db);
  const redisTimeouts = { commandTimeoutMs: config.redisCommandTimeoutMs, connectTimeoutMs: config.redisConnectTimeoutMs };
  const redis = config.redisUrl
    ? openRedis(config.redisUrl, redisTimeouts)
    : config.redisClusterNodes
      ? new Cluster(config.redisClusterNodes, {
          enableOfflineQueue: false,
          redisOptions: { commandTimeout: redisTimeouts.commandTimeoutMs, connectTimeout: redisTimeouts.connectTimeoutMs, maxRetriesPerRequest: 1 },
        })
      : undefined;
  // A Redis outage must not crash the process (the limits fall back to memory meanwhile); ioredis
  // reports every reconnect attempt, so the log gets at most one line per 30 s.
  redis?.on('error', throttledErrorLog(warnLogOf(overrides.log), 'redis error (rate limits)'));
  const now = overrides.now ?? (() => new Date());
  const live = telemetry.live;
  const bus =
    overrides.bus ??
    (config.redisUrl
      ? createRedisBus({
          url: config.redisUrl,
          ...redisTimeouts,
          probe: live,
          onError: throttledErrorLog(warnLogOf(overrides.log), 'live bus error'),
        })
      : config.redisClusterNodes
        ? createShardedRedisBus({
            nodes: config.redisClusterNodes,
            shards: config.redisPubsubShards,
            ...redisTimeouts,
            probe: live,
            onError: throttledErrorLog(warnLogOf(overrides.log), 'live bus error'),
          })
        : createMemoryBus({ probe: live }));
  // Expired view de-dup rows, old salts and idempotency keys: once now, then on an unref'd timer
  // stopped on close.
  const stopMaintenance =
    overrides.maintenance === false
      ? async () => {}
      : startMaintenance({ store, now }, { log: overrides.log ?? stderrLog, probe: telemetry.maintenance });
  const caps: IpCaps = {
    freeVotes: config.freeVotesPerIp,
    maxVotes: config.maxVotesPerIp,
    views: config.maxViewsPerIp,
    freeShares: config.freeSharesPerIp,
    maxShares: config.maxSharesPerIp,
  };
  const audit = createAuditRecorder({ store, now, intervalMs: 1000, onError: (err) => (overrides.log ?? stderrLog).error({ err }, 'audit flush failed') });
  const container: Container = {
    config,
    caps,
    audit,
    challenges: createChallengeIssuer({ secrets: sessionSecrets, maxNumber: config.challengeMaxNumber, ttlMs: config.challengeTtlMs, now }),
    store,
    sessionSecrets,
    rateLimits: createRateLimits({ redis, enabled: overrides.rateLimitsEnabled ?? config.rateLimits }),
    redis,
    now,
    newExposeId,
    viewers: createViewerHasher({ store }),
    bus,
    telemetry,
    experiments: createExperiments({ store, definitions, now }),
    hotWrites: createHotWrites(
      { store, now, bus, caps, audit, probe: telemetry.writePath },
      {
        path: config.writePath,
        windowMs: config.writeBatchWindowMs,
        maxBatch: config.writeBatchMax,
        maxPending: config.writeQueueMax,
        deadlineMs: config.writeDeadlineMs,
      },
    ),
    drain: createDrainState(),
    async close() {
      await stopMaintenance();
      // Hot writes already accepted commit before the store closes (their requests await the commit).
      await container.hotWrites.idle();
      await audit.close();
      await bus.close();
      // Not QUIT: a stalled Redis would never answer it, and nothing is left to send.
      redis?.disconnect();
      await store.close();
    },
  };
  telemetry.watch({
    queueDepth: () => container.hotWrites.pendingCount(),
    pool: () => store.poolStats?.(),
    redis: () => (redis ? { commands: redis.status === 'ready', ...bus.connections?.() } : {}),
  });
  if (config.seedDemo) await seedIfEmpty({ store, now, newId: newExposeId });
  return container;
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AppConfig } from './config';
import { seedIfEmpty } from './domain/demo-content';
import { createHotWrites, type HotWrites } from './domain/hot-writes';
import { newExposeId } from './domain/ids';
import { startMaintenance } from './domain/maintenance';
import { createViewerHasher, type ViewerHasher } from './domain/viewer-hash';
import { createRateLimits, type RateLimits } from './http/rate-limits';
import { throttledErrorLog, type Logger } from './logging';
import type { MetricsBus } from './live/bus';
import { createMemoryBus } from './live/memory-bus';
import { createRedisBus } from './live/redis-bus';
import { openPglite } from './store/open-pglite';
import { openPostgres } from './store/open-postgres';
import { createStore } from './store/open-store';
import type { Store } from './store/port';

/** Everything the process shares, chosen once from configuration. */
export interface Container {
  config: AppConfig;
  store: Store;
  /** Signs session cookies (and keys the IP hash): the first of `sessionSecrets`. */
  sessionSecret: string;
  /** Every accepted session secret, the signing one first (SESSION_SECRET rotation). */
  sessionSecrets: string[];
  rateLimits: RateLimits;
  redis?: Redis;
  now: () => Date;
  newExposeId: () => string;
  /** Viewer keys for view de-duplication, with the daily salts cached. */
  viewers: ViewerHasher;
  /** Live fan-out of committed metrics changes: in-process, or Redis pub/sub across instances. */
  bus: MetricsBus;
  /** Votes and views: coalesced per expose into one transaction per batch, or one per request. */
  hotWrites: HotWrites;
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
  /** Where dependency errors (Redis) are reported; absent: nowhere. */
  log?: Pick<Logger, 'warn'>;
}

export async function createContainer(config: AppConfig, overrides: ContainerOverrides = {}): Promise<Container> {
  const sessionSecrets = resolveSessionSecrets(config);
  const store = overrides.store ?? (await openConfiguredStore(config));
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  // A Redis outage must not crash the process (the limits fall back to memory meanwhile); ioredis
  // reports every reconnect attempt, so the log gets at most one line per 30 s.
  redis?.on('error', throttledErrorLog(overrides.log, 'redis error (rate limits)'));
  const now = overrides.now ?? (() => new Date());
  const bus =
    overrides.bus ??
    (config.redisUrl
      ? createRedisBus({ url: config.redisUrl, onError: throttledErrorLog(overrides.log, 'live bus error') })
      : createMemoryBus());
  // Expired view de-dup rows, old salts and idempotency keys; an unref'd timer, stopped on close.
  const stopMaintenance = overrides.maintenance === false ? () => {} : startMaintenance({ store, now });
  const container: Container = {
    config,
    store,
    sessionSecret: sessionSecrets[0]!,
    sessionSecrets,
    rateLimits: createRateLimits({ redis, enabled: overrides.rateLimitsEnabled ?? config.rateLimits }),
    redis,
    now,
    newExposeId,
    viewers: createViewerHasher({ store }),
    bus,
    hotWrites: createHotWrites(
      { store, now, bus },
      { path: config.writePath, windowMs: config.writeBatchWindowMs, maxBatch: config.writeBatchMax },
    ),
    async close() {
      stopMaintenance();
      await bus.close();
      redis?.disconnect();
      await store.close();
    },
  };
  if (config.seedDemo) await seedIfEmpty({ store, now, newId: newExposeId });
  return container;
}

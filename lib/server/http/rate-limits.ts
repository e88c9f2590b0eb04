import type { Cluster, Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { DomainError } from '@/lib/server/domain/errors';

/**
 * The rate limits (README "Rate limits"). Each action has windows keyed by the session and by the
 * salted IP hash, so neither a new cookie nor a shared IP lifts the limit alone.
 */
export const RATE_LIMIT_POLICY = {
  createExpose: [
    { by: 'session', points: 10, durationSec: 3600 },
    { by: 'ip', points: 30, durationSec: 3600 },
  ],
  vote: [
    { by: 'session', points: 120, durationSec: 60 },
    { by: 'ip', points: 1200, durationSec: 60 },
  ],
  view: [{ by: 'ip', points: 600, durationSec: 60 }],
  share: [
    { by: 'session', points: 30, durationSec: 60 },
    { by: 'ip', points: 300, durationSec: 60 },
  ],
  comment: [
    { by: 'session', points: 5, durationSec: 60 },
    { by: 'session', points: 30, durationSec: 3600 },
    { by: 'ip', points: 60, durationSec: 3600 },
  ],
  stream: [{ by: 'ip', points: 120, durationSec: 60 }],
  /** Admin token guesses (POST /api/admin/login). */
  adminLogin: [{ by: 'ip', points: 10, durationSec: 600 }],
  /** Every API read: the feed, one expose, batch metrics and comment pages. */
  read: [
    { by: 'session', points: 300, durationSec: 60 },
    { by: 'ip', points: 1200, durationSec: 60 },
  ],
  /**
   * Writes that arrive without a session cookie, per IP identity: a browser gets its cookie with the
   * page before it writes, so a stream of cookie-less writes is a client dropping its cookie to look
   * like many people (cookie churn).
   */
  newSession: [{ by: 'ip', points: 60, durationSec: 600 }],
  /** Browser telemetry: a page sends every 10 s and on hide; a few tabs fit, a flood does not. */
  telemetry: [
    { by: 'session', points: 30, durationSec: 60 },
    { by: 'ip', points: 600, durationSec: 60 },
  ],
  /** Experiment exposures: at most one per session and experiment is recorded; this bounds the asking. */
  exposure: [
    { by: 'session', points: 30, durationSec: 60 },
    { by: 'ip', points: 600, durationSec: 60 },
  ],
  /** Admin changes (start, pause, stop an experiment). */
  admin: [{ by: 'ip', points: 60, durationSec: 60 }],
  /** Pages (rendered by Next or replayed by the page cache); build assets are not counted. */
  page: [{ by: 'ip', points: 600, durationSec: 60 }],
} as const satisfies Record<string, readonly { by: 'session' | 'ip'; points: number; durationSec: number }[]>;

export type RateLimitName = keyof typeof RATE_LIMIT_POLICY;

export interface RateLimitKeys {
  sessionId: string;
  ipHash: string;
  /**
   * The request came without a session cookie: its session windows are skipped. A client that
   * drops its cookie gets a new id per request, so those windows could never stop it, and keeping
   * an entry per request for a whole window would let it fill the limiter's memory.
   */
  sessionIsNew?: boolean;
}

export interface RateLimits {
  /** Takes one point from every window of `name`; throws `rate_limited` with Retry-After when one is spent. */
  consume(name: RateLimitName, keys: RateLimitKeys): Promise<void>;
}

interface Window {
  by: 'session' | 'ip';
  limiter: RateLimiterAbstract;
}

/** Memory by default; Redis (shared by all instances) with an in-memory fallback while Redis is down. */
export function createRateLimits(opts: { redis?: Redis | Cluster; enabled: boolean }): RateLimits {
  if (!opts.enabled) return { consume: async () => {} };
  const windows = new Map<RateLimitName, Window[]>();
  for (const [name, specs] of Object.entries(RATE_LIMIT_POLICY) as [RateLimitName, (typeof RATE_LIMIT_POLICY)[RateLimitName]][]) {
    // IP windows first: once an address is over its limit, its requests create no session entries.
    const ordered = [...specs.entries()].sort(([, a], [, b]) => Number(a.by === 'session') - Number(b.by === 'session'));
    windows.set(
      name,
      ordered.map(([i, spec]) => {
        const base = { points: spec.points, duration: spec.durationSec, keyPrefix: `ec:rl:${name}:${spec.by}:${i}` };
        const memory = new RateLimiterMemory(base);
        const limiter = opts.redis
          ? // Any Redis error (down, or a command timeout while it stalls) falls back to memory.
            new RateLimiterRedis({ ...base, storeClient: opts.redis, insuranceLimiter: memory, rejectIfRedisNotReady: true })
          : memory;
        return { by: spec.by, limiter };
      }),
    );
  }
  return {
    async consume(name, keys) {
      for (const w of windows.get(name) ?? []) {
        if (w.by === 'session' && keys.sessionIsNew) continue;
        try {
          await w.limiter.consume(w.by === 'session' ? keys.sessionId : keys.ipHash);
        } catch (res) {
          if (res instanceof RateLimiterRes) {
            throw new DomainError(
              'rate_limited',
              'Too many requests; slow down.',
              Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
            );
          }
          throw res;
        }
      }
    },
  };
}

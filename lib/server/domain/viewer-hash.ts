import { createHmac, randomBytes } from 'node:crypto';
import type { MetricsStore } from '@/lib/server/store/port';
import { ipIdentity } from './ip-identity';

/**
 * The viewer key: HMAC-SHA-256 of (client IP identity, user agent) keyed with a random salt that is
 * replaced every UTC day and deleted after 48 h, so a stored hash can never be reversed later.
 * The salts live in the database (view_salts) so that every instance computes the same key;
 * each instance keeps today's and yesterday's in memory. Yesterday's hash is handed along so a
 * viewer seen just before midnight is not counted again just after it.
 */
export interface ViewerKeys {
  current: string;
  previous: string | null;
}

export interface ViewerHasher {
  keysFor(ip: string, userAgent: string, now: Date): Promise<ViewerKeys>;
  /** The IP identity under today's salt: the key of the per-IP caps (ip_expose_counts). */
  ipKeyFor(ip: string, now: Date): Promise<string>;
}

const DAY_MS = 86_400_000;

/** The UTC day of `d` as YYYY-MM-DD (sorts as text). */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);
export const previousUtcDay = (d: Date): string => utcDay(new Date(d.getTime() - DAY_MS));

// JSON keeps every (ip, user agent) pair distinct, whatever characters they hold. The IP identity
// (ip-identity.ts) joins an IPv6 /64, so rotating addresses within it is not a new viewer.
export const viewerHash = (salt: string, ip: string, userAgent: string): string =>
  createHmac('sha256', salt).update(JSON.stringify([ipIdentity(ip), userAgent])).digest('base64url');

/** Never equal to a viewer hash: those hash a JSON pair, this a one-element array. */
export const ipKey = (salt: string, ip: string): string =>
  createHmac('sha256', salt).update(JSON.stringify([ipIdentity(ip)])).digest('base64url').slice(0, 22);

export function createViewerHasher(deps: { store: Pick<MetricsStore, 'ensureSalt' | 'findSalt'> }): ViewerHasher {
  let cached: { day: string; salts: Promise<{ today: string; yesterday: string | null }> } | undefined;

  const saltsFor = (now: Date) => {
    const day = utcDay(now);
    if (cached?.day !== day) {
      const salts = (async () => ({
        today: await deps.store.ensureSalt(day, randomBytes(32).toString('base64url'), { now }),
        yesterday: await deps.store.findSalt(previousUtcDay(now)),
      }))();
      const entry = { day, salts };
      cached = entry;
      // A failed load (database down) must not stick: the next request tries again.
      salts.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.salts;
  };

  return {
    async keysFor(ip, userAgent, now) {
      const { today, yesterday } = await saltsFor(now);
      return { current: viewerHash(today, ip, userAgent), previous: yesterday ? viewerHash(yesterday, ip, userAgent) : null };
    },
    async ipKeyFor(ip, now) {
      return ipKey((await saltsFor(now)).today, ip);
    },
  };
}

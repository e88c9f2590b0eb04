import type { MaintenanceProbe } from '@/lib/server/observability/probes';
import type { MetricsStore } from '@/lib/server/store/port';
import { IDEMPOTENCY_TTL_MS } from './idempotency';
import { previousUtcDay } from './viewer-hash';

export interface MaintenanceDeps {
  store: Pick<MetricsStore, 'deleteExpired'>;
  now: () => Date;
}

/** Every 10 minutes: frequent enough that salts go within 48 h, cheap thanks to the indexes. */
export const MAINTENANCE_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes expired view de-dup rows, salts older than yesterday's (today's and yesterday's are
 * still needed; a salt lives at most 48 h) and idempotency keys older than 24 h.
 */
export function runMaintenance(deps: MaintenanceDeps) {
  const now = deps.now();
  return deps.store.deleteExpired({
    dedupBefore: now,
    saltsBeforeDay: previousUtcDay(now),
    idempotencyBefore: new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
  });
}

/** Runs maintenance periodically without keeping the process alive; returns the stop function. */
export function startMaintenance(
  deps: MaintenanceDeps,
  opts: { intervalMs?: number; onError?: (err: unknown) => void; probe?: MaintenanceProbe } = {},
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runMaintenance(deps)
      .then(
        (deleted) => opts.probe?.ran('ok', deleted),
        (err: unknown) => {
          opts.probe?.ran('error');
          opts.onError?.(err);
        },
      )
      .finally(() => {
        running = false;
      });
  }, opts.intervalMs ?? MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

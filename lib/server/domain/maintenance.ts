import type { MaintenanceProbe } from '@/lib/server/observability/probes';
import type { AnalyticsStore, MetricsStore } from '@/lib/server/store/port';
import { IDEMPOTENCY_TTL_MS } from './idempotency';
import { previousUtcDay } from './viewer-hash';

export interface MaintenanceDeps {
  store: Pick<MetricsStore, 'deleteExpired'> & Pick<AnalyticsStore, 'rollupHistory'>;
  now: () => Date;
}

/** Every 10 minutes: frequent enough that salts go within 48 h, cheap thanks to the indexes. */
export const MAINTENANCE_INTERVAL_MS = 10 * 60_000;

/** Engagement and client history: minute rows for 48 h, then hour rows for 90 days. */
export const MINUTE_HISTORY_MS = 48 * 3_600_000;
export const HOUR_HISTORY_MS = 90 * 86_400_000;

/**
 * Deletes expired view de-dup rows, salts older than yesterday's (today's and yesterday's are
 * still needed; a salt lives at most 48 h) and idempotency keys older than 24 h; rolls minute
 * history older than 48 h into hour rows and deletes hour rows older than 90 days.
 */
export async function runMaintenance(deps: MaintenanceDeps) {
  const cutoffs = maintenanceCutoffs(deps.now());
  const deleted = await deps.store.deleteExpired(cutoffs.expired);
  const history = await deps.store.rollupHistory(cutoffs.history);
  return { ...deleted, ...history };
}

/** What a run at `now` deletes and rolls up (bench/query-plans.ts runs the two parts separately). */
export function maintenanceCutoffs(now: Date) {
  return {
    expired: {
      dedupBefore: now,
      saltsBeforeDay: previousUtcDay(now),
      idempotencyBefore: new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
    },
    history: {
      now,
      minutesBefore: new Date(now.getTime() - MINUTE_HISTORY_MS),
      hoursBefore: new Date(now.getTime() - HOUR_HISTORY_MS),
    },
  };
}

/** Where maintenance reports a failed run (the process's logger; the domain knows no logging library). */
export interface MaintenanceLog {
  error(obj: object, msg: string): void;
}

/**
 * Runs maintenance once now (a process that restarts more often than the interval would otherwise
 * never clean up) and then periodically, without keeping the process alive. A failed run is logged
 * and the next one tries again. The returned stop waits for a run in progress, so the store is not
 * closed under it.
 */
export function startMaintenance(
  deps: MaintenanceDeps,
  opts: { intervalMs?: number; log: MaintenanceLog; probe?: MaintenanceProbe },
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runMaintenance(deps)
      .then(
        (deleted) => opts.probe?.ran('ok', deleted),
        (err: unknown) => {
          opts.probe?.ran('error');
          opts.log.error({ err }, 'maintenance failed');
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

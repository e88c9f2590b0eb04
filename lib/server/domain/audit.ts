import type { AnalyticsStore, AuditRow, DropRow, MetricsStore } from '@/lib/server/store/port';
import { utcDay } from './viewer-hash';

/**
 * Every write request to a counter ends in one outcome: it counted, or it was dropped for a reason.
 * Per expose, UTC day and kind, counted + dropped by reason = requests (GET /api/expose/audit).
 */
export type AuditKind = 'vote' | 'view' | 'share';
export type AuditOutcome =
  | 'counted'
  | 'no_change'
  | 'replayed'
  | 'duplicate_view'
  | 'bot'
  | 'rate_limited'
  | 'over_ip_cap'
  /** Beyond the free writes without a solution: answered 428 with a challenge, nothing changed. */
  | 'challenge_required'
  /** A forged, foreign, expired or replayed solution: answered 403, nothing changed. */
  | 'challenge_failed'
  | 'expired';

export interface AuditRecorder {
  record(exposeId: string, kind: AuditKind, outcome: AuditOutcome, n?: number): void;
  /** Writes what was recorded so far (one statement); shutdown and tests call it. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

/**
 * Outcomes are summed in memory and added to the table in one upsert per interval, not one write
 * per request: a flood of rejected requests must not become a flood of database writes. The price:
 * a crash loses up to one interval of audit counts (never of counters). At most `maxKeys` distinct
 * (expose, day, kind, outcome) keys wait between flushes; beyond that a flush is started early.
 */
export function createAuditRecorder(deps: {
  /** With `addDrops`, dropped outcomes also go to the per-minute engagement history. */
  store: Pick<MetricsStore, 'addAudit'> & Partial<Pick<AnalyticsStore, 'addDrops'>>;
  now: () => Date;
  intervalMs: number;
  maxKeys?: number;
  onError?: (err: unknown) => void;
}): AuditRecorder {
  let pending = new Map<string, AuditRow>();
  let drops = new Map<string, DropRow>();
  let flushing: Promise<void> = Promise.resolve();
  const maxKeys = deps.maxKeys ?? 10_000;

  const flush = (): Promise<void> => {
    const rows = [...pending.values()];
    const dropRows = [...drops.values()];
    pending = new Map();
    drops = new Map();
    flushing = flushing.then(async () => {
      if (rows.length === 0) return;
      try {
        await deps.store.addAudit(rows);
        if (dropRows.length > 0) await deps.store.addDrops?.(dropRows);
      } catch (err) {
        deps.onError?.(err);
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), deps.intervalMs);
  timer.unref();

  return {
    record(exposeId, kind, outcome, n = 1) {
      const now = deps.now();
      const day = utcDay(now);
      if (outcome !== 'counted' && deps.store.addDrops) {
        const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
        const dropKey = `${exposeId}\n${minute.getTime()}\n${kind}\n${outcome}`;
        const drop = drops.get(dropKey);
        if (drop) drop.n += n;
        else drops.set(dropKey, { exposeId, minute, kind, outcome, n });
      }
      const key = `${exposeId}\n${day}\n${kind}\n${outcome}`;
      const row = pending.get(key);
      if (row) row.n += n;
      else pending.set(key, { exposeId, day, kind, outcome, n });
      if (pending.size >= maxKeys) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

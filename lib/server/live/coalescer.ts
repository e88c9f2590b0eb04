import type { LiveSnapshot } from './bus';

/** The timer seam, so tests drive time with fake timers instead of sleeping. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Coalescer {
  /** Emits now, later (coalesced), or never (not newer than what was sent or is waiting). */
  offer(snapshot: LiveSnapshot): void;
  /** Highest version sent for the expose, or -1. */
  sentVersion(exposeId: string): number;
  /** Drops everything pending and stops every timer. */
  close(): void;
}

interface PerExpose {
  sent: number;
  pending?: LiveSnapshot;
  timer?: unknown;
}

/**
 * One stream's outbox. Two rules, per expose:
 * - version: nothing goes out whose version is not above the highest already sent (or waiting), so
 *   a stale initial read, a duplicate or a reordered event is dropped;
 * - rate: at most one event per `intervalMs`. The first change goes out at once; changes inside the
 *   window replace each other and the latest goes out when the window ends (leading + trailing edge).
 */
export function createCoalescer(opts: {
  intervalMs: number;
  emit: (snapshot: LiveSnapshot) => void;
  timers?: Timers;
}): Coalescer {
  const timers = opts.timers ?? realTimers;
  const state = new Map<string, PerExpose>();
  let closed = false;

  const send = (s: PerExpose, snapshot: LiveSnapshot) => {
    s.sent = snapshot.version;
    s.timer = timers.setTimeout(() => windowEnded(s), opts.intervalMs);
    opts.emit(snapshot);
  };

  const windowEnded = (s: PerExpose) => {
    s.timer = undefined;
    if (closed || !s.pending) return;
    const next = s.pending;
    s.pending = undefined;
    send(s, next);
  };

  return {
    offer(snapshot) {
      if (closed) return;
      let s = state.get(snapshot.exposeId);
      if (!s) state.set(snapshot.exposeId, (s = { sent: -1 }));
      if (snapshot.version <= (s.pending?.version ?? s.sent)) return;
      if (s.timer !== undefined) s.pending = snapshot;
      else send(s, snapshot);
    },
    sentVersion: (exposeId) => state.get(exposeId)?.sent ?? -1,
    close() {
      closed = true;
      for (const s of state.values()) if (s.timer !== undefined) timers.clearTimeout(s.timer);
      state.clear();
    },
  };
}

import { startBrowserTelemetry } from '@/lib/metrics-client/browser-telemetry';
import { randomUUID } from '@/lib/metrics-client/browser-engine';
import { MetricsEngine, type EngineEvent, type EnvironmentSignals, type PendingOp } from '@/lib/metrics-client';
import { createFaultInjector, type FaultInjector } from '@/lib/metrics-client/debug';

/** The newest entries of the event log kept in memory (older ones scroll away for good). */
const LOG_LIMIT = 400;

export interface LogEntry {
  seq: number;
  event: EngineEvent;
}

/** The last retry scheduled for an op still pending: why, how long, and when it is due. */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  code: string;
  dueAt: number;
}

export interface RigStats {
  requests: number;
  retries: number;
  acks: number;
  failures: number;
  refreshes: number;
}

export interface RigState {
  log: readonly LogEntry[];
  pending: readonly PendingOp[];
  retries: Readonly<Record<string, RetryInfo>>;
  stats: RigStats;
  /** The engine's online signal is forced off: ops wait instead of failing. */
  forcedOffline: boolean;
}

/** The browser's visibility and connectivity, plus a switch that makes the engine believe it is offline. */
export interface ConsoleSignals extends EnvironmentSignals {
  setForcedOffline(offline: boolean): void;
}

export interface DebugRig {
  readonly engine: MetricsEngine;
  readonly injector: FaultInjector;
  readonly signals: ConsoleSignals;
  getState(): RigState;
  subscribe(listener: () => void): () => void;
  setForcedOffline(offline: boolean): void;
  clearLog(): void;
  /** Mount/unmount bookkeeping: the engine is disposed shortly after the last release. */
  retain(): void;
  release(): void;
}

const INITIAL_STATE: RigState = {
  log: [],
  pending: [],
  retries: {},
  stats: { requests: 0, retries: 0, acks: 0, failures: 0, refreshes: 0 },
  forcedOffline: false,
};

/** For the server render, where no rig runs: the same empty state on every call. */
export const serverRigState = (): RigState => INITIAL_STATE;

function consoleSignals(): ConsoleSignals {
  let forcedOffline = false;
  const own = new Set<() => void>();
  return {
    isVisible: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
    isOnline: () => !forcedOffline && (typeof navigator === 'undefined' || navigator.onLine !== false),
    subscribe(listener) {
      own.add(listener);
      // The server render builds the rig too (the engine subscribes when it is made): no DOM there.
      if (typeof document === 'undefined') return () => own.delete(listener);
      document.addEventListener('visibilitychange', listener);
      window.addEventListener('online', listener);
      window.addEventListener('offline', listener);
      return () => {
        own.delete(listener);
        document.removeEventListener('visibilitychange', listener);
        window.removeEventListener('online', listener);
        window.removeEventListener('offline', listener);
      };
    },
    setForcedOffline(offline) {
      forcedOffline = offline;
      own.forEach((l) => l());
    },
  };
}

const sameOps = (a: readonly PendingOp[], b: readonly PendingOp[]) =>
  a.length === b.length && a.every((op, i) => op === b[i]);

function countEvent(stats: RigStats, e: EngineEvent): RigStats {
  switch (e.type) {
    case 'request_sent':
      return { ...stats, requests: stats.requests + 1 };
    case 'retry_scheduled':
      return { ...stats, retries: stats.retries + 1 };
    case 'ack':
      return { ...stats, acks: stats.acks + 1 };
    case 'failure':
      return { ...stats, failures: stats.failures + 1 };
    case 'refresh':
      return { ...stats, refreshes: stats.refreshes + 1 };
    default:
      return stats;
  }
}

function trackRetries(retries: RigState['retries'], e: EngineEvent): RigState['retries'] {
  if (e.type === 'retry_scheduled' && e.opId) {
    return { ...retries, [e.opId]: { attempt: e.attempt, delayMs: e.delayMs, code: e.code, dueAt: e.at + e.delayMs } };
  }
  if ((e.type === 'ack' || e.type === 'failure') && e.opId in retries) {
    const { [e.opId]: _settled, ...rest } = retries;
    return rest;
  }
  return retries;
}

/**
 * The debug console's own engine, wired to a fault injector, plus what the console shows about it:
 * the event log, the pending operations and the retries waiting. No React in here; the components
 * read it through useSyncExternalStore. Faults injected here never touch the page engine of other
 * pages, which is a different MetricsEngine instance.
 */
export function createDebugRig(exposeIds: readonly string[]): DebugRig {
  const injector = createFaultInjector();
  const signals = consoleSignals();
  const engine = new MetricsEngine({
    fetch: (url, init) => window.fetch(url, init),
    timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) },
    now: () => Date.now(),
    randomUUID,
    signals,
    transportInterceptor: injector.interceptor,
    // The live stream is an EventSource, not fetch: injected faults never reach it.
    ...(typeof window !== 'undefined' && typeof window.EventSource === 'function' && { eventSource: window.EventSource }),
  });

  // The console's operations report telemetry like the page's, injected failures included.
  startBrowserTelemetry(engine);

  let state = INITIAL_STATE;
  let seq = 0;
  const listeners = new Set<() => void>();
  const update = (next: RigState) => {
    if (next === state) return;
    state = next;
    listeners.forEach((l) => l());
  };
  // Phase changes (debouncing -> queued, sending -> waiting) reach the store without an event,
  // so the list is re-read on both.
  const readPending = () => {
    const pending = engine.getPendingOperations();
    if (!sameOps(pending, state.pending)) update({ ...state, pending });
  };

  engine.onEvent((event) => {
    const log = [...state.log, { seq: ++seq, event }];
    update({
      ...state,
      log: log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log,
      retries: trackRetries(state.retries, event),
      stats: countEvent(state.stats, event),
    });
    readPending();
  });
  const unsubscribeStore = exposeIds.map((id) => engine.subscribe(id, readPending));

  let holders = 0;
  let disposeTimer: number | undefined;
  const dispose = () => {
    unsubscribeStore.forEach((u) => u());
    engine.dispose();
    listeners.clear();
  };

  return {
    engine,
    injector,
    signals,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    setForcedOffline(offline) {
      signals.setForcedOffline(offline);
      update({ ...state, forcedOffline: offline });
    },
    clearLog: () => update({ ...state, log: [] }),
    retain() {
      holders += 1;
      window.clearTimeout(disposeTimer);
    },
    // Deferred, so that StrictMode's unmount-and-remount in development keeps the engine alive.
    release() {
      holders -= 1;
      if (holders === 0) disposeTimer = window.setTimeout(dispose, 0);
    },
  };
}

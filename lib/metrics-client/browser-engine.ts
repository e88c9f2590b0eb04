import { startBrowserTelemetry } from './browser-telemetry';
import { MetricsEngine } from './engine';
import type { ChannelLike, LockManagerLike } from './op-queue';
import { indexedDbQueueStorage, memoryQueueStorage, type QueueStorage } from './queue-storage';
import type { EnvironmentSignals } from './signals';
import { workerSolver } from './worker-solver';

/** The offline queue's seams: IndexedDB, a BroadcastChannel and Web Locks, where the browser has them. */
function queueSeams(): { queueStorage: QueueStorage; channel?: ChannelLike; locks?: LockManagerLike } {
  const queueStorage = typeof indexedDB === 'undefined' ? memoryQueueStorage() : indexedDbQueueStorage();
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('expose-corner-ops') : undefined;
  const locks = (navigator as Navigator & { locks?: LockManagerLike }).locks;
  // Without Web Locks, tabs cannot agree on one sender: each then sends only its own queue.
  if (!locks) return { queueStorage: memoryQueueStorage() };
  return { queueStorage, ...(channel && { channel }), locks };
}

/**
 * The one place with browser globals: the page's engine, created lazily with the real seams.
 * Tests never touch this; they build a MetricsEngine with fakes and pass it via the provider.
 */
let instance: MetricsEngine | undefined;

function browserSignals(): EnvironmentSignals {
  return {
    isVisible: () => document.visibilityState !== 'hidden',
    isOnline: () => navigator.onLine !== false,
    subscribe(listener) {
      document.addEventListener('visibilitychange', listener);
      window.addEventListener('online', listener);
      window.addEventListener('offline', listener);
      return () => {
        document.removeEventListener('visibilitychange', listener);
        window.removeEventListener('online', listener);
        window.removeEventListener('offline', listener);
      };
    },
  };
}

/** crypto.randomUUID exists only in secure contexts (https, localhost); plain http gets a v4 UUID by hand. */
export function randomUUID(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The page's engine. On the server (SSR of client components) it returns a fresh, inert engine per
 * call that is never stored: nothing may be shared between requests, and SSR never runs effects.
 */
export function getBrowserEngine(): MetricsEngine {
  if (typeof window === 'undefined') {
    return new MetricsEngine({ fetch: () => Promise.reject(new Error('no fetch during server rendering')) });
  }
  instance ??= new MetricsEngine({
    fetch: (url, init) => window.fetch(url, init),
    timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) },
    now: () => Date.now(),
    randomUUID,
    signals: browserSignals(),
    // One live stream for the whole page; without EventSource the 30 s refresh carries on alone.
    ...(typeof window.EventSource === 'function' && { eventSource: window.EventSource }),
    // Beyond the free votes and shares of an address the server asks for a proof of work (428).
    ...(typeof window.Worker === 'function' && { solveChallenge: workerSolver }),
    ...queueSeams(),
    // The session's A/B variants (GET /api/experiments at start; docs/EXPERIMENTS.md).
    experiments: true,
  });
  // Client telemetry listens to the engine's events (browser-telemetry.ts), once per engine.
  startBrowserTelemetry(instance);
  const engine = instance;
  // A page kept in the back/forward cache must not hold the queue's sender lock: the next page of the
  // site asks for it, and Chromium evicts a cached page holding a lock another page wants.
  // A vote still inside its debounce is queued (persisted) at once when the page goes away or is
  // hidden (a phone's tab switch may be the last event a page gets before it is discarded).
  window.addEventListener('pagehide', (e) => {
    engine.flushVotes();
    if (e.persisted) engine.suspendSending();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && engine.flushVotes());
  window.addEventListener('pageshow', (e) => e.persisted && engine.resumeSending());
  // The variants in force, on <html data-ec-variants="experiment:variant …"> ("none" when in no
  // experiment) once known: for support and tests; nothing is drawn differently.
  void engine.experimentsLoaded.then(() => {
    document.documentElement.dataset.ecVariants = engine.experimentAssignments.map((a) => `${a.experiment}:${a.variant}`).join(' ') || 'none';
  });
  return instance;
}

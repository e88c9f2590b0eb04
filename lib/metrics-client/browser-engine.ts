import { startBrowserTelemetry } from './browser-telemetry';
import { MetricsEngine } from './engine';
import type { EnvironmentSignals } from './signals';

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
  });
  // Client telemetry listens to the engine's events (browser-telemetry.ts), once per engine.
  startBrowserTelemetry(instance);
  return instance;
}

import { TELEMETRY_PATH, TELEMETRY_SAMPLED_HEADER, type TelemetryBatch } from '@/lib/contracts/telemetry-shape';
import type { EngineEvent } from './events';
import { TelemetryCollector } from './telemetry';

/**
 * The browser side of client telemetry (telemetry.ts has the logic): batches go with a keepalive
 * fetch every 10 s (its reply says whether this session is sampled) and with
 * `navigator.sendBeacon` when the page is hidden. Web Vitals come from the `web-vitals` library,
 * loaded in its own chunk after the page is up. One collector per engine; failures are ignored.
 */
const started = new WeakMap<object, TelemetryCollector>();

async function send(batch: TelemetryBatch, final: boolean): Promise<boolean | undefined> {
  const body = JSON.stringify(batch);
  if (final && typeof navigator.sendBeacon === 'function') {
    navigator.sendBeacon(TELEMETRY_PATH, new Blob([body], { type: 'application/json' }));
    return undefined;
  }
  const res = await fetch(TELEMETRY_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    keepalive: true,
    credentials: 'same-origin',
  });
  return res.headers.get(TELEMETRY_SAMPLED_HEADER) === '0' ? false : undefined;
}

const heapBytes = (): number | undefined => {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize?: number } }).memory;
  return typeof memory?.usedJSHeapSize === 'number' ? Math.round(memory.usedJSHeapSize) : undefined;
};

export function startBrowserTelemetry(engine: { onEvent(listener: (e: EngineEvent) => void): () => void }): void {
  if (typeof window === 'undefined' || started.has(engine)) return;
  const collector = new TelemetryCollector({ send, heapBytes });
  started.set(engine, collector);
  collector.observe(engine);
  window.addEventListener('error', (e) => collector.recordError(e.error ?? { name: 'Error' }));
  window.addEventListener('unhandledrejection', (e) => collector.recordError(e.reason));
  const onHide = () => void collector.flush(true);
  const listenForHide = () => {
    // After web-vitals' own listeners, so the vitals it reports on hide are in this flush.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') onHide();
    });
    window.addEventListener('pagehide', onHide);
  };
  import('web-vitals')
    .then(({ onCLS, onFCP, onINP, onLCP, onTTFB }) => {
      const record = (m: { name: string; value: number }) => collector.recordVital(m.name as 'LCP', m.value);
      for (const on of [onCLS, onFCP, onINP, onLCP, onTTFB]) on(record);
    })
    .catch(() => undefined)
    .finally(listenForHide);
}

import { useCallback, useSyncExternalStore } from 'react';
import type { ExposeView } from '@/lib/metrics-client/view';
import { useMetricsEngine } from './MetricsEngineProvider';

/**
 * Subscribes to one expose only, so a change elsewhere never re-renders this component.
 * `fallback` is shown while the engine does not know the expose yet, and during SSR/hydration.
 */
export function useExposeView(exposeId: string): ExposeView | undefined;
export function useExposeView(exposeId: string, fallback: ExposeView): ExposeView;
export function useExposeView(exposeId: string, fallback?: ExposeView): ExposeView | undefined {
  const engine = useMetricsEngine();
  const subscribe = useCallback((onChange: () => void) => engine.subscribe(exposeId, onChange), [engine, exposeId]);
  return useSyncExternalStore(
    subscribe,
    () => engine.getSnapshot(exposeId) ?? fallback,
    () => fallback,
  );
}

import { useCallback, useSyncExternalStore } from 'react';
import type { SyncStatus } from '@/lib/metrics-client/engine';
import { useMetricsEngine } from './MetricsEngineProvider';

const SERVER_STATUS: SyncStatus = Object.freeze({ pending: 0, offline: false, syncedAt: null });

/**
 * The offline queue's status: writes waiting (in every tab) and whether the engine is offline. The
 * server and the first client render say "nothing pending, online", so shared HTML never claims it.
 */
export function useSyncStatus(): SyncStatus {
  const engine = useMetricsEngine();
  const subscribe = useCallback((listener: () => void) => engine.onSyncStatusChange(listener), [engine]);
  return useSyncExternalStore(subscribe, () => engine.getSyncStatus(), () => SERVER_STATUS);
}

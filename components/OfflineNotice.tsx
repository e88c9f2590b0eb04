'use client';

import { useEffect, useState } from 'react';
import { useOnline } from '@/lib/hooks/useOnline';
import { useSyncStatus } from '@/lib/hooks/useSyncStatus';

/** How long "All changes synced" stays. */
export const SYNCED_NOTICE_MS = 4000;

const changes = (n: number) => (n === 1 ? '1 change' : `${n} changes`);

/**
 * The offline banner (a polite live region, present from the start so that changes are announced):
 * offline, what the person does waits in the offline queue (IndexedDB, shared by the tabs) and is
 * sent when the connection is back, even after a reload or from another tab; then, briefly, "All
 * changes synced".
 */
export function OfflineNotice() {
  const online = useOnline();
  const status = useSyncStatus();
  const offline = !online || status.offline;
  // The sync whose notice has had its time; a newer sync shows the notice again.
  const [shownUntilDone, setDone] = useState<number | null>(null);
  const recentlySynced = status.syncedAt !== null && status.syncedAt !== shownUntilDone && status.pending === 0 && !offline;

  // The offline service worker (public/sw.js): production builds only, dev reloads must stay fresh.
  useEffect(() => {
    if (process.env.NODE_ENV !== 'production' || !('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  }, []);

  useEffect(() => {
    const at = status.syncedAt;
    if (at === null) return;
    const t = window.setTimeout(() => setDone(at), SYNCED_NOTICE_MS);
    return () => window.clearTimeout(t);
  }, [status.syncedAt]);

  return (
    <div className="ec-sync-status" role="status" aria-live="polite">
      {offline ? (
        <p className="ec-offline">
          <strong>You&apos;re offline</strong>
          {status.pending > 0 ? ` — ${changes(status.pending)} will sync` : ' — what you do now will sync when you are back online'}
        </p>
      ) : recentlySynced ? (
        <p className="ec-synced">All changes synced</p>
      ) : null}
    </div>
  );
}

'use client';

import { useOnline } from '@/lib/hooks/useOnline';

/**
 * Tells the person when the browser is offline. Meanwhile the engine holds its requests (they wait
 * for the `online` event, lib/metrics-client/request-runner.ts) instead of spending their retries,
 * and sends them when the connection is back, as long as the page stays open.
 */
export function OfflineNotice() {
  const online = useOnline();
  if (online) return null;
  return (
    <p className="ec-offline" role="status">
      <strong>You are offline.</strong> The numbers may be out of date. What you do now is sent when the
      connection is back; keep this page open until then.
    </p>
  );
}

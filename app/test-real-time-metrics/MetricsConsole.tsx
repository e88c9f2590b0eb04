'use client';

import Link from 'next/link';
import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import type { Expose } from '@/lib/contracts/core';
import type { LiveStatus } from '@/lib/metrics-client';
import { MetricsEngineProvider } from '@/lib/hooks/MetricsEngineProvider';
import { createDebugRig } from './debug-rig';
import { EventLogPanel } from './EventLogPanel';
import { ExposeWorkbench } from './ExposeWorkbench';
import { FaultPanel } from './FaultPanel';
import { PendingOpsPanel } from './PendingOpsPanel';

const noSubscription = () => () => {};
const LIVE_TEXT: Record<LiveStatus, string> = {
  off: 'off',
  connecting: 'connecting…',
  live: 'live',
  down: 'down, polling',
  paused: 'paused',
};

/** False in the server render and during hydration, true once this runs in the browser. */
const useIsClient = () => useSyncExternalStore(noSubscription, () => true, () => false);

export interface MetricsConsoleProps {
  exposes: Expose[];
  initialExposeId: string | null;
}

/**
 * The debug console: its own engine (never the page engine of other pages) behind a fault
 * injector, handed to everything below through MetricsEngineProvider.
 */
export function MetricsConsole({ exposes, initialExposeId }: MetricsConsoleProps) {
  const [rig] = useState(() => createDebugRig(exposes.map((e) => e.exposeId)));
  useEffect(() => {
    rig.retain();
    return () => rig.release();
  }, [rig]);
  const [selectedId, setSelectedId] = useState(initialExposeId);
  const selected = exposes.find((e) => e.exposeId === selectedId) ?? null;
  const ids = useId();
  const running = useIsClient();
  const live = useSyncExternalStore(
    (onChange) => rig.engine.onLiveStatusChange(onChange),
    () => rig.engine.liveStatus,
    () => 'off' as const,
  );

  const pick = (exposeId: string) => {
    setSelectedId(exposeId);
    // Keeps the choice across a reload without a server round trip.
    window.history.replaceState(null, '', `?expose=${encodeURIComponent(exposeId)}`);
  };

  return (
    <MetricsEngineProvider engine={rig.engine}>
      <div className="ec-debug">
        <header className="ec-debug__head">
          <div className="ec-debug__panel-head">
            <h1>Metrics debug console</h1>
            <div className="ec-debug__actions">
              <p className="ec-chip" role="status">
                Engine {running ? 'running' : 'starting…'}
              </p>
              <p className="ec-chip">Live stream {LIVE_TEXT[live]}</p>
            </div>
          </div>
          <p className="ec-muted">
            This page runs its own metrics engine behind a fault injector, so faults injected here affect only this
            page. The requests are real: what you do here changes the expose&apos;s numbers for everyone.
          </p>
        </header>
        <div className="ec-debug__grid">
          <div className="ec-debug__col">
            <section className="ec-panel ec-debug__panel" aria-labelledby={`${ids}-expose`}>
              <h2 id={`${ids}-expose`}>Expose</h2>
              {exposes.length === 0 ? (
                <p className="ec-muted">
                  There is no expose to try things on. <Link href="/new">Write one</Link> first.
                </p>
              ) : (
                <div className="ec-field">
                  <label htmlFor={`${ids}-pick`}>Choose an expose</label>
                  <select id={`${ids}-pick`} value={selectedId ?? ''} onChange={(e) => pick(e.target.value)}>
                    {exposes.map((e) => (
                      <option key={e.exposeId} value={e.exposeId}>
                        {e.title} ({e.exposeId}){e.expired ? ' · expired' : ''}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              {selected && <ExposeWorkbench key={selected.exposeId} expose={selected} />}
            </section>
            <FaultPanel rig={rig} />
          </div>
          <div className="ec-debug__col">
            <PendingOpsPanel rig={rig} />
            <EventLogPanel rig={rig} />
          </div>
        </div>
      </div>
    </MetricsEngineProvider>
  );
}

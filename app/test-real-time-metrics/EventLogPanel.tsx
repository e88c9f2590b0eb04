'use client';

import { useEffect, useId, useRef } from 'react';
import type { EngineEvent } from '@/lib/metrics-client';
import type { DebugRig } from './debug-rig';
import { clockTime, describeEvent } from './event-text';
import { useRigState } from './use-rig-state';

function tone(e: EngineEvent): 'ok' | 'warn' | 'bad' | 'plain' {
  if (e.type === 'ack' || (e.type === 'refresh' && e.ok)) return 'ok';
  if (e.type === 'failure' || (e.type === 'refresh' && !e.ok)) return 'bad';
  if (e.type === 'retry_scheduled' || e.type === 'waiting_online') return 'warn';
  return 'plain';
}

/** Everything the engine reports (engine.onEvent), oldest first; follows new entries unless scrolled up. */
export function EventLogPanel({ rig }: { rig: DebugRig }) {
  const log = useRigState(rig, (s) => s.log);
  const ids = useId();
  const box = useRef<HTMLOListElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [log]);

  const onScroll = () => {
    const el = box.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  return (
    <section className="ec-panel ec-debug__panel" aria-labelledby={`${ids}-title`}>
      <div className="ec-debug__panel-head">
        <h2 id={`${ids}-title`}>
          Event log <span className="ec-muted">({log.length})</span>
        </h2>
        <button type="button" className="ec-button" onClick={rig.clearLog} disabled={log.length === 0}>
          Clear log
        </button>
      </div>
      {/* role="log" (on a wrapper, so the list keeps its list semantics): a screen reader hears new
          entries without the list stealing focus. */}
      <div role="log" aria-label="Event log">
      <ol ref={box} className="ec-debug__log" aria-label="Event log entries" tabIndex={0} onScroll={onScroll}>
        {log.length === 0 && <li className="ec-debug__entry ec-muted">No events yet.</li>}
        {log.map(({ seq, event }) => (
          <li key={seq} className={`ec-debug__entry ec-debug__entry--${tone(event)}`} data-event-type={event.type}>
            <time className="ec-debug__time" dateTime={new Date(event.at).toISOString()}>
              {clockTime(event.at)}
            </time>
            <span className="ec-debug__type">{event.type}</span>
            <span className="ec-debug__text">{describeEvent(event)}</span>
          </li>
        ))}
      </ol>
      </div>
    </section>
  );
}

'use client';

import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { Fault } from '@/lib/metrics-client/debug';
import type { DebugRig } from './debug-rig';
import { describeFault } from './event-text';
import { useRigState } from './use-rig-state';

type FaultChoice = 'network' | '500' | '503' | '429' | '400' | 'hang';

const CHOICES: ReadonlyArray<[FaultChoice, string]> = [
  ['network', 'Network error'],
  ['500', 'HTTP 500'],
  ['503', 'HTTP 503 + Retry-After'],
  ['429', 'HTTP 429 + Retry-After'],
  ['400', 'HTTP 400 (final)'],
  ['hang', 'Hang until timeout'],
];

const TARGETS: ReadonlyArray<[string, string]> = [
  ['', 'Any request'],
  ['/api/expose/vote', 'Votes'],
  ['/api/expose/views', 'Views'],
  ['/api/expose/share', 'Shares'],
  ['/api/expose/comments', 'Comments'],
  ['/api/expose/metrics', 'Refreshes'],
];

const LATENCIES = [0, 250, 1000, 3000, 10_000, 20_000];

const usesRetryAfter = (c: FaultChoice) => c === '429' || c === '503';

function faultFor(choice: FaultChoice, retryAfterSeconds: number): Fault {
  switch (choice) {
    case 'network':
      return { type: 'network' };
    case 'hang':
      return { type: 'hang' };
    case '400':
      return { type: 'status', status: 400, code: 'invalid_input' };
    case '500':
      return { type: 'status', status: 500 };
    case '503':
    case '429':
      return { type: 'status', status: Number(choice), retryAfterSeconds };
  }
}

/** Arms the fault injector that sits between this page's engine and fetch. */
export function FaultPanel({ rig }: { rig: DebugRig }) {
  const { injector, engine } = rig;
  const faults = useSyncExternalStore(injector.subscribe, injector.getState, injector.getState);
  const forcedOffline = useRigState(rig, (s) => s.forcedOffline);
  const ids = useId();
  const [count, setCount] = useState('1');
  const [choice, setChoice] = useState<FaultChoice>('network');
  const [retryAfter, setRetryAfter] = useState('2');
  const [target, setTarget] = useState('');

  const onInject = (e: FormEvent) => {
    e.preventDefault();
    const n = Math.min(50, Math.max(1, Math.floor(Number(count)) || 1));
    const seconds = Math.min(300, Math.max(0, Math.floor(Number(retryAfter)) || 0));
    injector.failNext(n, faultFor(choice, seconds), target || undefined);
  };
  const clearAll = () => {
    injector.reset();
    rig.setForcedOffline(false);
  };
  const { requestTimeoutMs, retryDelaysMs, maxRetryAfterMs } = engine.policy;
  const armed = faults.rules.length > 0 || faults.latencyMs > 0 || faults.offline || forcedOffline;

  return (
    <section className="ec-panel ec-debug__panel" aria-labelledby={`${ids}-title`}>
      <div className="ec-debug__panel-head">
        <h2 id={`${ids}-title`}>Fault injection</h2>
        <button type="button" className="ec-button" onClick={clearAll} disabled={!armed}>Clear all faults</button>
      </div>
      <p className="ec-muted ec-debug__hint">
        Timeout {requestTimeoutMs / 1000} s · retries after {retryDelaysMs.map((ms) => `${ms / 1000} s`).join(', ')} ·
        a Retry-After over {maxRetryAfterMs / 1000} s fails at once.
      </p>
      <form onSubmit={onInject}>
        <fieldset className="ec-debug__fieldset">
          <legend>Fail the next requests</legend>
          <div className="ec-debug__controls">
            <div className="ec-field">
              <label htmlFor={`${ids}-count`}>Requests to fail</label>
              <input id={`${ids}-count`} type="number" inputMode="numeric" min={1} max={50} value={count} onChange={(e) => setCount(e.target.value)} />
            </div>
            <div className="ec-field">
              <label htmlFor={`${ids}-fault`}>Failure</label>
              <select id={`${ids}-fault`} value={choice} onChange={(e) => setChoice(e.target.value as FaultChoice)}>
                {CHOICES.map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            </div>
            <div className="ec-field">
              <label htmlFor={`${ids}-retry-after`}>Retry-After (s)</label>
              <input id={`${ids}-retry-after`} type="number" inputMode="numeric" min={0} max={300} value={retryAfter}
                disabled={!usesRetryAfter(choice)} onChange={(e) => setRetryAfter(e.target.value)} />
            </div>
            <div className="ec-field">
              <label htmlFor={`${ids}-target`}>Only requests to</label>
              <select id={`${ids}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
                {TARGETS.map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" className="ec-button ec-button--primary">Inject fault</button>
        </fieldset>
      </form>
      <fieldset className="ec-debug__fieldset">
        <legend>Network</legend>
        <div className="ec-field">
          <label htmlFor={`${ids}-latency`}>Added latency</label>
          <select id={`${ids}-latency`} value={faults.latencyMs} onChange={(e) => injector.setLatency(Number(e.target.value))}>
            {LATENCIES.map((ms) => (
              <option key={ms} value={ms}>{ms === 0 ? 'None' : `${ms} ms`}</option>
            ))}
          </select>
        </div>
        <label className="ec-check">
          <input type="checkbox" checked={faults.offline} onChange={(e) => injector.setOffline(e.target.checked)} />
          <span>Network down: every request fails at once (retries are spent)</span>
        </label>
        <label className="ec-check">
          <input type="checkbox" checked={forcedOffline} onChange={(e) => rig.setForcedOffline(e.target.checked)} />
          <span>Browser reports offline: requests wait for the network (no retry spent)</span>
        </label>
      </fieldset>
      <div aria-live="polite">
        <h3 className="ec-debug__subhead">Armed</h3>
        {armed ? (
          <ul className="ec-debug__chips" aria-label="Armed faults">
            {faults.rules.map((r, i) => (
              <li key={i} className="ec-chip">
                {describeFault(r.fault)} × {r.remaining}
                {r.match ? ` on ${r.match}` : ''}
              </li>
            ))}
            {faults.latencyMs > 0 && <li className="ec-chip">+{faults.latencyMs} ms latency</li>}
            {faults.offline && <li className="ec-chip">network down</li>}
            {forcedOffline && <li className="ec-chip">browser offline</li>}
          </ul>
        ) : (
          <p className="ec-muted ec-debug__hint">Nothing armed: requests go straight to the server.</p>
        )}
      </div>
    </section>
  );
}

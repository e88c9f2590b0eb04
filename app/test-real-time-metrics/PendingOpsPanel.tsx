'use client';

import { useId } from 'react';
import type { PendingOp } from '@/lib/metrics-client';
import { useNow } from '@/lib/hooks/useNow';
import type { DebugRig, RetryInfo } from './debug-rig';
import { describeOp, shortId } from './event-text';
import { useRigState } from './use-rig-state';

/** "retry 2 in 1.4 s": counts down while the op waits out its backoff. */
function RetryCountdown({ info }: { info: RetryInfo }) {
  const now = useNow(undefined, 200);
  const left = Math.max(0, info.dueAt - now);
  return (
    <span>
      retry {info.attempt + 1} in {(left / 1000).toFixed(1)} s{' '}
      <span className="ec-muted">
        ({info.delayMs} ms after {info.code})
      </span>
    </span>
  );
}

function NextStep({ op, retry }: { op: PendingOp; retry: RetryInfo | undefined }) {
  if (op.phase === 'debouncing') return <span className="ec-muted">waiting for more clicks</span>;
  if (op.phase === 'queued') return <span className="ec-muted">behind an earlier vote</span>;
  if (op.phase === 'sending') return <span className="ec-muted">awaiting the reply</span>;
  if (op.phase === 'waiting') {
    return retry ? <RetryCountdown info={retry} /> : <span className="ec-muted">waiting for the network</span>;
  }
  return <span className="ec-muted">-</span>;
}

/** The engine's unacknowledged operations, with their attempts and the retry each one waits for. */
export function PendingOpsPanel({ rig }: { rig: DebugRig }) {
  const pending = useRigState(rig, (s) => s.pending);
  const retries = useRigState(rig, (s) => s.retries);
  const stats = useRigState(rig, (s) => s.stats);
  const ids = useId();
  return (
    <section className="ec-panel ec-debug__panel" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>
        Pending operations <span className="ec-muted">({pending.length})</span>
      </h2>
      <dl className="ec-debug__facts" aria-label="Totals">
        {(
          [
            ['Requests', stats.requests],
            ['Retries', stats.retries],
            ['Confirmed', stats.acks],
            ['Failed', stats.failures],
            ['Refreshes', stats.refreshes],
          ] as const
        ).map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {pending.length === 0 ? (
        <p className="ec-muted ec-debug__hint">Nothing pending: every operation is confirmed or has failed.</p>
      ) : (
        <div className="ec-debug__table-wrap" tabIndex={0} role="region" aria-label="Pending operations table">
          <table className="ec-debug__table">
            <thead>
              <tr>
                <th scope="col">Op</th>
                <th scope="col">Request</th>
                <th scope="col">Phase</th>
                <th scope="col">Attempt</th>
                <th scope="col">Next</th>
              </tr>
            </thead>
            <tbody>
              {pending.map((op) => (
                <tr key={op.id} data-op-kind={op.kind} data-phase={op.phase}>
                  <td className="ec-debug__nowrap"><code title={op.id}>{shortId(op.id)}</code></td>
                  <td className="ec-debug__request">
                    {describeOp(op)}
                    <small>{op.exposeId}</small>
                  </td>
                  <td><span className={`ec-phase ec-phase--${op.phase}`}>{op.phase}</span></td>
                  <td data-attempt={op.attempt}>{op.attempt}</td>
                  <td><NextStep op={op} retry={retries[op.id]} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

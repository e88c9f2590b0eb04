'use client';

import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { failureText } from '@/components/failure-text';
import type { Expose, MetricName, ShareChannel } from '@/lib/contracts/core';
import { METRIC_NAMES } from '@/lib/contracts/metric-names';
import { useExposeView } from '@/lib/hooks/useExposeView';
import { useMetricsEngine } from '@/lib/hooks/MetricsEngineProvider';
import { useRealTimeMetrics } from '@/lib/hooks/useRealTimeMetrics';

const LABELS: Record<MetricName, string> = {
  views: 'Views',
  comments: 'Comments',
  upvotes: 'Upvotes',
  downvotes: 'Downvotes',
  netVotes: 'Score',
  shares: 'Shares',
};

const CHANNELS: readonly ShareChannel[] = ['link', 'x', 'facebook', 'whatsapp', 'email', 'other'];

/**
 * The selected expose: what the engine displays (confirmed snapshot + pending effects), its
 * confirmed version, and a button for every operation. No view is counted on its own here; the
 * "Count a view" button does it, so the view op can be watched like the others.
 */
export function ExposeWorkbench({ expose }: { expose: Expose }) {
  const { exposeId } = expose;
  const engine = useMetricsEngine();
  const rt = useRealTimeMetrics({
    exposeId,
    initialMetrics: expose.metrics,
    initialVersion: expose.version,
    initialMyVote: expose.myVote,
  });
  const view = useExposeView(exposeId);
  const ids = useId();
  const [channel, setChannel] = useState<ShareChannel>('link');
  const [comment, setComment] = useState('');
  const [settled, setSettled] = useState<string | null>(null);

  // Each action resolves once the server confirmed (true) or the op finally failed (false).
  const run = (label: string, action: () => Promise<boolean>) => {
    void action().then((ok) => setSettled(`${label}: ${ok ? 'done' : 'failed'}`));
  };
  const onComment = (e: FormEvent) => {
    e.preventDefault();
    if (comment.trim() === '') return;
    const body = comment;
    setComment('');
    run('Comment', () => rt.updateComment(body));
  };
  const version = view?.version ?? expose.version;

  return (
    <div className="ec-debug__workbench">
      <p className="ec-debug__links ec-muted">
        <Link href={`/expose/${encodeURIComponent(exposeId)}`}>Open the expose page</Link> (it uses the normal engine,
        without faults)
      </p>
      <h3 className="ec-debug__subhead">Displayed metrics</h3>
      <dl className="ec-card__metrics" aria-label="Displayed metrics">
        {METRIC_NAMES.map((name) => (
          <div key={name} className={`ec-metric ec-metric--${name}`}>
            <dt className="ec-metric__label">{LABELS[name]}</dt>
            <dd className="ec-metric__value" data-metric={name}>
              {rt.metrics[name]}
            </dd>
          </div>
        ))}
      </dl>
      <dl className="ec-debug__facts" aria-label="Engine state">
        <div>
          <dt>Confirmed version</dt>
          <dd data-fact="version">{version >= 0 ? version : 'none yet'}</dd>
        </div>
        <div>
          <dt>My vote</dt>
          <dd data-fact="myVote">{rt.myVote ?? 'none'}</dd>
        </div>
        <div>
          <dt>Unconfirmed effects</dt>
          <dd data-fact="pendingCount">{rt.pendingCount}</dd>
        </div>
        <div>
          <dt>Syncing</dt>
          <dd data-fact="isUpdating">{rt.isUpdating ? 'yes' : 'no'}</dd>
        </div>
      </dl>

      <h3 className="ec-debug__subhead">Actions</h3>
      <div className="ec-debug__actions" role="group" aria-label="Actions">
        <button type="button" className="ec-button ec-vote ec-vote--up" aria-pressed={rt.myVote === 'upvote'}
          onClick={() => run('Upvote', () => rt.updateVote('upvote'))}>
          <span aria-hidden="true">▲</span> Upvote
        </button>
        <button type="button" className="ec-button ec-vote ec-vote--down" aria-pressed={rt.myVote === 'downvote'}
          onClick={() => run('Downvote', () => rt.updateVote('downvote'))}>
          <span aria-hidden="true">▼</span> Downvote
        </button>
        <button type="button" className="ec-button" onClick={() => run('Withdraw vote', () => engine.setVote(exposeId, null))}>
          Withdraw vote
        </button>
        <button type="button" className="ec-button" onClick={() => run('View', rt.updateView)}>
          Count a view
        </button>
        <button type="button" className="ec-button" onClick={() => run('Refresh', rt.refreshMetrics)}>
          Refresh metrics
        </button>
      </div>
      <div className="ec-debug__inline">
        <div className="ec-field">
          <label htmlFor={`${ids}-channel`}>Share channel</label>
          <select id={`${ids}-channel`} value={channel} onChange={(e) => setChannel(e.target.value as ShareChannel)}>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>{c}</option>
            ))}
          </select>
        </div>
        <button type="button" className="ec-button" onClick={() => run('Share', () => rt.updateShare(channel))}>
          Share
        </button>
      </div>
      <form className="ec-debug__inline" onSubmit={onComment}>
        <div className="ec-field">
          <label htmlFor={`${ids}-comment`}>Comment</label>
          <input id={`${ids}-comment`} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
        </div>
        <button type="submit" className="ec-button">Post comment</button>
      </form>
      <p className="ec-debug__settled ec-muted" role="status">
        {settled ?? 'Each action reports here when it settles.'}
      </p>
      <p className="ec-debug__hint ec-muted">
        A view is sent once per expose while this page is open; the server counts one per visitor per day.
      </p>
      {rt.error && (
        <div className="ec-alert" role="alert">
          <span>
            {failureText({ kind: rt.error.op.kind, code: rt.error.code })} <code>{rt.error.code}</code>
          </span>
          <span className="ec-debug__actions">
            <button type="button" className="ec-button" onClick={() => run('Retry', rt.retry)}>Retry</button>
            <button type="button" className="ec-button" aria-label="Dismiss" onClick={rt.dismissError}>×</button>
          </span>
        </div>
      )}
    </div>
  );
}

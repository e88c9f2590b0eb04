import Link from 'next/link';
import type { Expose, MetricName, Metrics, MyVote } from '@/lib/contracts/core';
import type { OpKind } from '@/lib/metrics-client/operations';
import { excerpt, formatAge, formatTimeLeft } from './expose-time';
import { failureText } from './failure-text';

export interface ExposeCardFailure {
  kind: OpKind;
  code: string;
}

export interface ExposeCardProps {
  expose: Pick<Expose, 'exposeId' | 'title' | 'body' | 'createdAt' | 'expiresAt' | 'expired'>;
  metrics: Metrics;
  myVote: MyVote;
  /** Current time in ms, for "3h ago" / "expires in 2h" (passed in so rendering stays pure). */
  now: number;
  /** 'feed': h2 title + excerpt; 'page': h1 title + full body. */
  mode?: 'feed' | 'page';
  /** Number of own actions shown but not yet confirmed by the server. */
  pendingCount?: number;
  /** The numbers those actions moved: each gets a pending marker (a symbol and words, not only colour). */
  pendingMetrics?: readonly MetricName[];
  /** The last action that finally failed. */
  error?: ExposeCardFailure | null;
  /** A short transient note, e.g. "Link copied". */
  notice?: string | null;
  onUpvote?: () => void;
  onDownvote?: () => void;
  onShare?: () => void;
  onRetry?: () => void;
  onDismissError?: () => void;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** A count in its own data-metric element (the live numbers tests and tools read), quiet when zero. */
function Count({ name, value, pending }: { name: MetricName; value: number; pending: boolean }) {
  return (
    <>
      <span className={value === 0 ? 'ec-n ec-n--zero' : 'ec-n'} data-metric={name}>
        {value}
      </span>
      {pending && <PendingMark name={name} />}
    </>
  );
}

/** Marks a number that includes our own change not yet confirmed by the server. */
function PendingMark({ name }: { name: MetricName }) {
  return (
    <span className="ec-pending-mark" data-pending-metric={name} title="Your change, not synced yet">
      <span aria-hidden="true">↻</span>
      <span className="ec-visually-hidden"> (pending)</span>
    </span>
  );
}

/**
 * One card, dense like a link aggregator's row: title, one line of excerpt, then one row with the
 * vote control (▲ score ▼), age, time left, "N comments", and the secondary numbers in small text.
 * All six numbers stay in the DOM, each in its `data-metric` element.
 */
export function ExposeCard(props: ExposeCardProps) {
  const { expose, metrics, myVote, now, mode = 'feed', pendingCount = 0, pendingMetrics = [], error, notice } = props;
  const pending = (name: MetricName) => pendingMetrics.includes(name);
  const Title = mode === 'page' ? 'h1' : 'h2';
  const href = `/expose/${encodeURIComponent(expose.exposeId)}`;
  const closed = expose.expired;
  const classes = ['ec-card', `ec-card--${mode}`, closed && 'ec-card--expired'].filter(Boolean).join(' ');
  const undoId = `ec-undo-${expose.exposeId}`;
  const net = metrics.netVotes;
  const scoreTone = net > 0 ? 'ec-score--up' : net < 0 ? 'ec-score--down' : 'ec-score--zero';
  return (
    <article className={classes} data-expose-id={expose.exposeId} data-pending={pendingCount > 0 ? pendingCount : undefined}>
      <header className="ec-card__header">
        <Title className="ec-card__title">
          <Link className="ec-card__link" href={href}>
            {expose.title}
          </Link>
        </Title>
      </header>
      {mode === 'page' ? (
        <div className="ec-card__body">{expose.body}</div>
      ) : (
        <p className="ec-card__excerpt">{excerpt(expose.body)}</p>
      )}
      <div className="ec-card__row">
        <div className="ec-votes" role="group" aria-label="Vote">
          <button type="button" className="ec-vote ec-vote--up" aria-label="Upvote" aria-pressed={myVote === 'upvote'}
            aria-describedby={myVote === 'upvote' ? undoId : undefined} disabled={closed} onClick={props.onUpvote}>
            <span aria-hidden="true">▲</span>
          </button>
          <span className={`ec-score ${scoreTone}`} data-metric="netVotes" title="Score: upvotes minus downvotes">
            {net}
          </span>
          {pending('netVotes') && <PendingMark name="netVotes" />}
          <button type="button" className="ec-vote ec-vote--down" aria-label="Downvote" aria-pressed={myVote === 'downvote'}
            aria-describedby={myVote === 'downvote' ? undoId : undefined} disabled={closed} onClick={props.onDownvote}>
            <span aria-hidden="true">▼</span>
          </button>
          <span id={undoId} hidden>
            Click again to undo your vote.
          </span>
        </div>
        <p className="ec-card__meta">
          <time className="ec-card__age" dateTime={expose.createdAt} suppressHydrationWarning>
            {formatAge(expose.createdAt, now)}
          </time>
          <span aria-hidden="true"> · </span>
          <span className="ec-card__ttl" suppressHydrationWarning>
            {formatTimeLeft(expose.expiresAt, expose.expired, now)}
          </span>
          <span aria-hidden="true"> · </span>
          <Link className="ec-card__comments" href={`${href}#comments`}>
            <Count name="comments" value={metrics.comments} pending={pending('comments')} /> {plural(metrics.comments, 'comment', 'comments')}
          </Link>
        </p>
        <p className="ec-card__secondary">
          <Count name="views" value={metrics.views} pending={false} /> {plural(metrics.views, 'view', 'views')}
          <span aria-hidden="true"> · </span>
          <Count name="shares" value={metrics.shares} pending={pending('shares')} /> {plural(metrics.shares, 'share', 'shares')}
          <span aria-hidden="true"> · </span>
          <Count name="upvotes" value={metrics.upvotes} pending={pending('upvotes')} /> up,{' '}
          <Count name="downvotes" value={metrics.downvotes} pending={pending('downvotes')} /> down
        </p>
        <button type="button" className="ec-share" disabled={closed} onClick={props.onShare}>
          Share
        </button>
        <span className="ec-card__status" role="status">
          {notice && <span className="ec-card__notice">{notice}</span>}
          {pendingCount > 0 && <span className="ec-card__sync">syncing…</span>}
        </span>
      </div>
      {error && (
        <div className="ec-alert ec-card__error" role="alert">
          <span className="ec-card__error-text">{failureText(error)}</span>
          {props.onRetry && (
            <button type="button" className="ec-button ec-card__retry" onClick={props.onRetry}>
              Retry
            </button>
          )}
          {props.onDismissError && (
            <button type="button" className="ec-button ec-card__dismiss" aria-label="Dismiss" onClick={props.onDismissError}>
              ×
            </button>
          )}
        </div>
      )}
    </article>
  );
}

import Link from 'next/link';
import type { Expose } from '@/lib/contracts/exposes';
import type { MetricName, Metrics, MyVote } from '@/lib/contracts/metrics';
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

const METRICS: ReadonlyArray<[MetricName, string]> = [
  ['views', 'Views'],
  ['comments', 'Comments'],
  ['upvotes', 'Upvotes'],
  ['downvotes', 'Downvotes'],
  ['netVotes', 'Score'],
  ['shares', 'Shares'],
];

export function ExposeCard(props: ExposeCardProps) {
  const { expose, metrics, myVote, now, mode = 'feed', pendingCount = 0, error, notice } = props;
  const Title = mode === 'page' ? 'h1' : 'h2';
  const href = `/expose/${encodeURIComponent(expose.exposeId)}`;
  const closed = expose.expired;
  const classes = ['ec-card', `ec-card--${mode}`, closed && 'ec-card--expired'].filter(Boolean).join(' ');
  return (
    <article className={classes} data-expose-id={expose.exposeId} data-pending={pendingCount > 0 ? pendingCount : undefined}>
      <header className="ec-card__header">
        <Title className="ec-card__title">
          <Link className="ec-card__link" href={href}>
            {expose.title}
          </Link>
        </Title>
        <p className="ec-card__meta ec-muted">
          <time className="ec-card__age" dateTime={expose.createdAt} suppressHydrationWarning>
            {formatAge(expose.createdAt, now)}
          </time>
          <span aria-hidden="true"> · </span>
          <span className="ec-card__ttl" suppressHydrationWarning>
            {formatTimeLeft(expose.expiresAt, expose.expired, now)}
          </span>
        </p>
      </header>
      {mode === 'page' ? (
        <div className="ec-card__body">{expose.body}</div>
      ) : (
        <p className="ec-card__excerpt">{excerpt(expose.body)}</p>
      )}
      <dl className="ec-card__metrics">
        {METRICS.map(([name, label]) => (
          <div key={name} className={`ec-metric ec-metric--${name}`}>
            <dt className="ec-metric__label">{label}</dt>
            <dd className="ec-metric__value" data-metric={name}>
              {metrics[name]}
            </dd>
          </div>
        ))}
      </dl>
      <div className="ec-card__actions">
        <button type="button" className="ec-button ec-vote ec-vote--up" aria-pressed={myVote === 'upvote'} disabled={closed} onClick={props.onUpvote}>
          <span aria-hidden="true" className="ec-vote__icon">▲</span> Upvote
        </button>
        <button type="button" className="ec-button ec-vote ec-vote--down" aria-pressed={myVote === 'downvote'} disabled={closed} onClick={props.onDownvote}>
          <span aria-hidden="true" className="ec-vote__icon">▼</span> Downvote
        </button>
        <button type="button" className="ec-button ec-share" disabled={closed} onClick={props.onShare}>
          Share
        </button>
        <span className="ec-card__status ec-muted" role="status">
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

import type { Comment, MetricName, Metrics, MetricsSnapshot, MyVote } from '@/lib/contracts/core';
import { DEFAULT_AUTHOR_NAME } from '@/lib/contracts/comment-author';
import { normalizeText } from '@/lib/contracts/text';
import type { OpFailure } from './operations';
import { initialExposeState, type ExposeState } from './reducer';
import { applyVoteTransition } from '@/lib/contracts/vote-transition';

export interface PendingComment {
  opId: string;
  body: string;
  authorName?: string;
  createdAt: number;
}

/** What a card renders; the engine hands out one object per state change (stable otherwise). */
export interface ExposeView {
  exposeId: string;
  /** Confirmed snapshot + effects of pending ops. */
  metrics: Metrics;
  myVote: MyVote;
  /** Version of the confirmed snapshot (-1: nothing confirmed yet). */
  version: number;
  /** Some op has not been acknowledged yet (views included). */
  isUpdating: boolean;
  /** The numbers shown differ from the confirmed snapshot because of our own ops. */
  hasOptimisticUpdates: boolean;
  /** Ops whose effect is shown but not yet folded into the confirmed snapshot. */
  pendingCount: number;
  /** The numbers our own unconfirmed ops move (each gets a pending marker). */
  pendingMetrics: readonly MetricName[];
  error: OpFailure | null;
  /** Newest first. */
  pendingComments: readonly PendingComment[];
  /**
   * Comments created here and confirmed, or heard live, newest first; without those that are
   * probably a pending comment of ours already (pendingComments shows them once).
   */
  createdComments: readonly Comment[];
}


/**
 * Our own comment can come back on the live stream before its POST is answered: the server commits,
 * publishes, then replies. Until the reply (which carries the id) arrives, a live comment with the
 * same stored text and name as one of our pending comments is taken to be it, once per pending one.
 * Were it someone else's identical comment, it shows as soon as our reply arrives.
 */
function withoutOwnEchoes(created: readonly Comment[], pending: readonly PendingComment[]): readonly Comment[] {
  if (pending.length === 0 || created.length === 0) return created;
  const hidden = new Set<string>();
  for (const p of pending) {
    const body = normalizeText(p.body);
    const author = p.authorName ? normalizeText(p.authorName) : DEFAULT_AUTHOR_NAME;
    const echo = created.find((c) => !hidden.has(c.id) && c.body === body && c.authorName === author);
    if (echo) hidden.add(echo.id);
  }
  return hidden.size === 0 ? created : created.filter((c) => !hidden.has(c.id));
}

/**
 * Views are deliberately not shown optimistically: the server de-duplicates them per viewer, so a
 * guessed +1 would often be taken back a moment later. The ack's snapshot shows the real count.
 */
export function deriveView(s: ExposeState): ExposeView {
  const base = s.confirmed;
  let metrics: Metrics = { ...base.metrics };
  let lastVote: MyVote | undefined;
  let visible = 0;
  let isUpdating = false;
  const pendingComments: PendingComment[] = [];
  const pendingMetrics = new Set<MetricName>();
  for (const op of s.ops) {
    if (op.phase !== 'acked') isUpdating = true;
    if (op.kind === 'share') {
      metrics.shares += 1;
      visible += 1;
      pendingMetrics.add('shares');
    } else if (op.kind === 'comment') {
      metrics.comments += 1;
      visible += 1;
      pendingMetrics.add('comments');
      if (op.phase !== 'acked') pendingComments.unshift({ opId: op.id, ...op.payload, createdAt: op.createdAt });
    } else if (op.kind === 'vote') {
      lastVote = op.payload.target;
    }
  }
  // Votes are states, not increments: only the last target counts, relative to the confirmed vote.
  if (lastVote !== undefined && lastVote !== base.myVote) {
    metrics = applyVoteTransition(metrics, base.myVote, lastVote);
    visible += 1;
    for (const name of ['upvotes', 'downvotes', 'netVotes'] as const) if (metrics[name] !== base.metrics[name]) pendingMetrics.add(name);
  }
  return {
    exposeId: s.exposeId,
    metrics,
    myVote: lastVote === undefined ? base.myVote : lastVote,
    version: base.version,
    isUpdating,
    hasOptimisticUpdates: visible > 0,
    pendingCount: visible,
    pendingMetrics: [...pendingMetrics],
    error: s.error,
    pendingComments,
    createdComments: withoutOwnEchoes(s.createdComments, pendingComments),
  };
}

/** The view of a bare server snapshot, before any engine knows the expose (SSR, first render). */
export function viewOfSnapshot(snapshot: MetricsSnapshot): ExposeView {
  return deriveView(initialExposeState(snapshot.exposeId, snapshot));
}

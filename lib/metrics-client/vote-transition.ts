import type { Metrics, MyVote, VoteType } from '@/lib/contracts/metrics';

/** The two vote buttons. */
export type VoteButton = 'upvote' | 'downvote';

/** Reddit semantics: pressing the button of the current vote clears it; the other button switches. */
export function nextVoteTarget(current: MyVote, button: VoteButton): MyVote {
  return current === button ? null : button;
}

export function toVoteType(target: MyVote): VoteType {
  return target ?? 'none';
}

/** How the counters move when the caller's vote goes from `from` to `to`. */
export function voteDelta(from: MyVote, to: MyVote): { upvotes: number; downvotes: number } {
  const count = (v: MyVote, side: VoteButton) => (v === side ? 1 : 0);
  return {
    upvotes: count(to, 'upvote') - count(from, 'upvote'),
    downvotes: count(to, 'downvote') - count(from, 'downvote'),
  };
}

/** Applies a vote transition; counts never go below zero and netVotes stays upvotes - downvotes. */
export function applyVoteTransition(metrics: Metrics, from: MyVote, to: MyVote): Metrics {
  if (from === to) return metrics;
  const d = voteDelta(from, to);
  const upvotes = Math.max(0, metrics.upvotes + d.upvotes);
  const downvotes = Math.max(0, metrics.downvotes + d.downvotes);
  const netVotes = metrics.netVotes + (upvotes - metrics.upvotes) - (downvotes - metrics.downvotes);
  return { ...metrics, upvotes, downvotes, netVotes };
}

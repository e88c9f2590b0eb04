import type { Metrics, MyVote, VoteType } from './core';

/**
 * The vote transition, written once for the server (counted votes, batched planning) and the
 * browser (optimistic numbers): a session's vote is a state (-1, 0, +1); a request names the target
 * state; the counters move by the difference between the old and the new state. Same state again:
 * no change at all. Zod-free (lib/contracts/core.ts).
 */
export type VoteValue = -1 | 0 | 1;

/** The two vote buttons. */
export type VoteButton = 'upvote' | 'downvote';

export const voteValueOf = (t: VoteType | MyVote): VoteValue => (t === 'upvote' ? 1 : t === 'downvote' ? -1 : 0);

export interface CounterDelta {
  upvotes: number;
  downvotes: number;
}

export function transitionDelta(from: number, to: number): CounterDelta {
  return { upvotes: (to === 1 ? 1 : 0) - (from === 1 ? 1 : 0), downvotes: (to === -1 ? 1 : 0) - (from === -1 ? 1 : 0) };
}

export interface VotePlan {
  /** Sessions whose stored value changes, with the new value. */
  changes: { sessionId: string; value: VoteValue }[];
  delta: CounterDelta;
  /** Every session's value after the batch. */
  finals: Map<string, VoteValue>;
}

/**
 * Folds a batch of target states (in arrival order) over the locked current values. Only the
 * net change per session reaches the counters, so [up, none] from one session moves nothing.
 */
export function planVotes(
  current: ReadonlyMap<string, number>,
  ops: readonly { sessionId: string; value: VoteValue }[],
): VotePlan {
  const finals = new Map<string, VoteValue>();
  for (const op of ops) finals.set(op.sessionId, op.value);
  const changes: VotePlan['changes'] = [];
  const delta: CounterDelta = { upvotes: 0, downvotes: 0 };
  for (const [sessionId, value] of finals) {
    const from = current.get(sessionId) ?? 0;
    if (from === value) continue;
    changes.push({ sessionId, value });
    const d = transitionDelta(from, value);
    delta.upvotes += d.upvotes;
    delta.downvotes += d.downvotes;
  }
  return { changes, delta, finals };
}

/** Reddit semantics: pressing the button of the current vote clears it; the other button switches. */
export function nextVoteTarget(current: MyVote, button: VoteButton): MyVote {
  return current === button ? null : button;
}

export function toVoteType(target: MyVote): VoteType {
  return target ?? 'none';
}

/** How the counters move when the caller's vote goes from `from` to `to`. */
export function voteDelta(from: MyVote, to: MyVote): CounterDelta {
  return transitionDelta(voteValueOf(from), voteValueOf(to));
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

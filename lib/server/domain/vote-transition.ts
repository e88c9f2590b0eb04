import type { VoteType } from '@/lib/contracts/metrics';

/**
 * The vote transition table: the one home of "what a vote change does to the counters".
 * A session's vote is a state (-1, 0, +1); a request names the target state; the counters move by
 * the difference between the old and the new state. Same state again: no change at all.
 */
export type VoteValue = -1 | 0 | 1;

export const voteValueOf = (t: VoteType): VoteValue => (t === 'upvote' ? 1 : t === 'downvote' ? -1 : 0);

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

import type { MetricsSnapshot, VoteType } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { MetricsStore } from '@/lib/server/store/port';
import type { HotWrites } from './hot-writes';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { planVotes, voteValueOf, type VoteValue } from './vote-transition';
import { assertWritable } from './assert-writable';

export interface VoteDeps {
  store: Pick<MetricsStore, 'transaction'>;
  now: () => Date;
  /** Committed changes go out to live subscribers; absent in store-only tests. */
  bus?: MetricsBus;
}

export interface VoteOp {
  sessionId: string;
  value: VoteValue;
}

/** One op's reply, and whether it changed its session's vote (ec_writes_total: applied or no_change). */
export interface VoteResult {
  snapshot: MetricsSnapshot;
  changed: boolean;
}

/**
 * Sets several sessions' votes on one expose in ONE transaction: lock the sessions' vote rows,
 * plan the transition, write rows and counter deltas together. Returns one snapshot per op, each
 * with that session's resulting vote. Nothing changes (and `version` stays) when no state changes.
 * A change is published to live subscribers after the commit, never before.
 */
export async function applyVoteBatch(deps: VoteDeps, exposeId: string, ops: readonly VoteOp[]): Promise<MetricsSnapshot[]> {
  return (await applyVoteBatchWithChanges(deps, exposeId, ops)).map((r) => r.snapshot);
}

export async function applyVoteBatchWithChanges(deps: VoteDeps, exposeId: string, ops: readonly VoteOp[]): Promise<VoteResult[]> {
  const now = deps.now();
  const { snapshots, changed, opChanged } = await deps.store.transaction(async (tx) => {
    const locked = assertWritable(
      await tx.lockVotes(
        exposeId,
        ops.map((o) => o.sessionId),
        { now },
      ),
    );
    const plan = planVotes(locked.current, ops);
    const counters =
      plan.changes.length > 0 ? await tx.writeVotes(exposeId, plan.changes, plan.delta, { now }) : locked.counters;
    return {
      snapshots: ops.map((op) => toSnapshot(exposeId, counters, myVoteFromValue(plan.finals.get(op.sessionId)))),
      changed: plan.changes.length > 0,
      opChanged: changesPerOp(locked.current, ops),
    };
  });
  if (changed && snapshots[0]) publishSnapshot(deps.bus, snapshots[0]);
  return snapshots.map((snapshot, i) => ({ snapshot, changed: opChanged[i] ?? false }));
}

/** In batch order: an op changed its session's vote if it differs from that session's vote before it. */
function changesPerOp(current: ReadonlyMap<string, number>, ops: readonly VoteOp[]): boolean[] {
  const state = new Map(current);
  return ops.map((op) => {
    const changed = (state.get(op.sessionId) ?? 0) !== op.value;
    state.set(op.sessionId, op.value);
    return changed;
  });
}

/** One request's vote, applied through the hot-write path (coalesced with concurrent ones). */
export async function recordVote(
  deps: { hotWrites: HotWrites },
  input: { exposeId: string; sessionId: string; voteType: VoteType },
): Promise<VoteResult> {
  return deps.hotWrites.vote(input.exposeId, { sessionId: input.sessionId, value: voteValueOf(input.voteType) });
}

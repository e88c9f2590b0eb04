import type { MetricsSnapshot, VoteType } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { CounterRow, MetricsStore } from '@/lib/server/store/port';
import type { HotWrites } from './hot-writes';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { planVotes, voteValueOf, type VotePlan, type VoteValue } from './vote-transition';
import { DomainError, expired, notFound } from './errors';

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

/** A vote of one expose, for batches that span several exposes. */
export interface ExposeVoteOp extends VoteOp {
  exposeId: string;
}

/** A batch entry's outcome: its snapshot, or the 404/410 that explains why nothing was written for it. */
export type VoteOutcome = MetricsSnapshot | DomainError;

/**
 * Sets several sessions' votes on any number of exposes in ONE transaction: lock the sessions'
 * vote rows, plan each expose's transitions, write rows and counter deltas together (one version
 * bump per expose whose counters moved). One outcome per op, with that session's resulting vote; a
 * missing or expired expose fails only its own ops. Nothing changes (and `version` stays) where no
 * state changes. A change is published to live subscribers after the commit, never before.
 */
export async function applyVoteBatchAcross(deps: VoteDeps, ops: readonly ExposeVoteOp[]): Promise<VoteOutcome[]> {
  const now = deps.now();
  const byExpose = new Map<string, ExposeVoteOp[]>();
  for (const op of ops) byExpose.set(op.exposeId, [...(byExpose.get(op.exposeId) ?? []), op]);
  const { outcomes, moved } = await deps.store.transaction(async (tx) => {
    const locked = await tx.lockVotes(ops, { now });
    const plans = new Map<string, VotePlan>();
    for (const [exposeId, mine] of byExpose) {
      const lock = locked.get(exposeId);
      if (lock?.open) plans.set(exposeId, planVotes(lock.current, mine));
    }
    const changed = [...plans].filter(([, plan]) => plan.changes.length > 0);
    if (changed.length > 0) await tx.lockExposes(changed.map(([exposeId]) => exposeId));
    const written = changed.length
      ? await tx.writeVotes(
          changed.flatMap(([exposeId, plan]) => plan.changes.map((c) => ({ ...c, exposeId }))),
          changed.map(([exposeId, plan]) => ({ exposeId, ...plan.delta })),
          { now },
        )
      : new Map<string, CounterRow>();
    const outcomes = ops.map((op): VoteOutcome => {
      const lock = locked.get(op.exposeId);
      if (!lock) return notFound();
      if (!lock.open) return expired();
      const counters = written.get(op.exposeId) ?? lock.counters;
      return toSnapshot(op.exposeId, counters, myVoteFromValue(plans.get(op.exposeId)?.finals.get(op.sessionId)));
    });
    return { outcomes, moved: new Set(written.keys()) };
  });
  const published = new Set<string>();
  ops.forEach((op, i) => {
    const outcome = outcomes[i];
    if (!moved.has(op.exposeId) || published.has(op.exposeId) || !outcome || outcome instanceof DomainError) return;
    published.add(op.exposeId);
    publishSnapshot(deps.bus, outcome);
  });
  return outcomes;
}

/** The same for one expose; throws its 404/410. */
export async function applyVoteBatch(deps: VoteDeps, exposeId: string, ops: readonly VoteOp[]): Promise<MetricsSnapshot[]> {
  const outcomes = await applyVoteBatchAcross(
    deps,
    ops.map((op) => ({ ...op, exposeId })),
  );
  return outcomes.map((o) => {
    if (o instanceof DomainError) throw o;
    return o;
  });
}

/** One request's vote, applied through the hot-write path (coalesced with concurrent ones). */
export async function recordVote(
  deps: { hotWrites: HotWrites },
  input: { exposeId: string; sessionId: string; voteType: VoteType },
): Promise<MetricsSnapshot> {
  return deps.hotWrites.vote(input.exposeId, { sessionId: input.sessionId, value: voteValueOf(input.voteType) });
}

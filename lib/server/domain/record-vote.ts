import type { MetricsSnapshot, VoteType } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { MetricsStore, WriteQueries } from '@/lib/server/store/port';
import type { HotWrites } from './hot-writes';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { planVotes, voteValueOf, type VotePlan, type VoteValue } from './vote-transition';
import { assertWritable } from './assert-writable';
import { countedChanges, grantRequests, type LockedVotes } from './counted-votes';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { AuditOutcome, AuditRecorder } from './audit';
import { DomainError } from './errors';
import { addVoteHistory } from './engagement';

/** Per IP identity, expose and UTC day (docs/SECURITY.md "Count integrity"). */
export interface IpCaps {
  /** Votes that move the public counters. */
  votes: number;
  views: number;
  shares: number;
}

export interface VoteDeps {
  store: Pick<MetricsStore, 'transaction'>;
  now: () => Date;
  /** The per-IP caps; absent in store-only tests, where every vote counts. */
  caps?: IpCaps;
  /** Committed changes go out to live subscribers; absent in store-only tests. */
  bus?: MetricsBus;
  /** Each op's outcome goes to the audit (audit.ts); absent in store-only tests. */
  audit?: AuditRecorder;
}

export interface VoteOp {
  sessionId: string;
  value: VoteValue;
  /** The voter's IP identity under today's salt (ViewerHasher.ipKeyFor); required with caps. */
  ipKey?: string;
}

/** One op's reply, and whether it changed its session's vote (ec_writes_total: applied or no_change). */
export interface VoteResult {
  snapshot: MetricsSnapshot;
  changed: boolean;
  /** Changed the session's vote but its IP identity is over the cap: the counters did not move. */
  overIpCap: boolean;
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
  const { snapshots, changed, outcomes, opChanged } = await deps.store
    .transaction(async (tx) => {
      const locked = assertWritable(
        await tx.lockVotes(
          exposeId,
          ops.map((o) => o.sessionId),
          { now },
        ),
      );
      const plan = planVotes(locked.current, ops);
      const { changes, delta, moved } = await countVotes(tx, deps.caps, exposeId, now, plan, locked, ops);
      const counters = changes.length > 0 ? await tx.writeVotes(exposeId, changes, delta, { now }) : locked.counters;
      await addVoteHistory(tx, exposeId, delta, now);
      const changedValue = new Map(changes.map((c) => [c.sessionId, c.value]));
      return {
        snapshots: ops.map((op) => toSnapshot(exposeId, counters, myVoteFromValue(plan.finals.get(op.sessionId)))),
        changed: plan.changes.length > 0,
        // Per request: its session's net change moved the counters, or was over the cap, or changed nothing public.
        outcomes: ops.map((op): AuditOutcome => {
          if (moved.has(op.sessionId)) return 'counted';
          return changedValue.has(op.sessionId) && changedValue.get(op.sessionId) !== 0 ? 'over_ip_cap' : 'no_change';
        }),
        opChanged: changesPerOp(locked.current, ops),
      };
    })
    .catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'expired') deps.audit?.record(exposeId, 'vote', 'expired', ops.length);
      throw err;
    });
  for (const outcome of outcomes) deps.audit?.record(exposeId, 'vote', outcome);
  if (changed && snapshots[0]) publishSnapshot(deps.bus, snapshots[0]);
  return snapshots.map((snapshot, i) => ({ snapshot, changed: opChanged[i] ?? false, overIpCap: outcomes[i] === 'over_ip_cap' }));
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

/** Decides which changes count: with caps, a vote not yet in the counters needs a grant from its IP identity. */
async function countVotes(
  tx: Pick<WriteQueries, 'grantIpVotes'>,
  caps: IpCaps | undefined,
  exposeId: string,
  now: Date,
  plan: VotePlan,
  locked: LockedVotes,
  ops: readonly VoteOp[],
) {
  const ipKeyOf = new Map(
    ops.map((o) => {
      if (caps && o.ipKey === undefined) throw new Error('applyVoteBatch: a capped vote needs its ipKey');
      return [o.sessionId, o.ipKey ?? ''];
    }),
  );
  if (!caps) return countedChanges(plan, locked, ipKeyOf, new Map([['', Number.MAX_SAFE_INTEGER]]));
  const requests = grantRequests(plan, locked, ipKeyOf);
  const granted = requests.length > 0 ? await tx.grantIpVotes(exposeId, utcDay(now), requests, caps.votes) : new Map<string, number>();
  return countedChanges(plan, locked, ipKeyOf, granted);
}

/** One request's vote, applied through the hot-write path (coalesced with concurrent ones). */
export async function recordVote(
  deps: { hotWrites: HotWrites; viewers: ViewerHasher; now: () => Date },
  input: { exposeId: string; sessionId: string; voteType: VoteType; ip: string },
): Promise<VoteResult> {
  const ipKey = await deps.viewers.ipKeyFor(input.ip, deps.now());
  return deps.hotWrites.vote(input.exposeId, { sessionId: input.sessionId, value: voteValueOf(input.voteType), ipKey });
}

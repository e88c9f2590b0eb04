import type { MetricsSnapshot, VoteType } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { CounterRow, MetricsStore, WriteQueries } from '@/lib/server/store/port';
import type { HotWrites } from './hot-writes';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { planVotes, voteValueOf, type VotePlan, type VoteValue } from '@/lib/contracts/vote-transition';
import { assertWritable } from './assert-writable';
import { countedChanges, gateVotes, writeUnpaidVotes, type LockedVotes, type VoteGate, type VoteRefusal, type VotesWritten } from './counted-votes';
import { ChallengeRequiredError, challengeFailed, type ChallengeIssuer, type ChallengeOp, type VerifiedSolution } from './challenge';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { AuditOutcome, AuditRecorder } from './audit';
import { DomainError } from './errors';
import { addVoteHistory } from './engagement';

/** Per IP identity, expose and UTC day (docs/SECURITY.md "Count integrity"). */
export interface IpCaps {
  /** Votes that count with no questions asked. */
  freeVotes: number;
  /** Votes that count at most, the ones paid with a proof of work included. */
  maxVotes: number;
  views: number;
  freeShares: number;
  maxShares: number;
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
  /** 'separate': the free grant as its own statement, as before the fold (bench/vote-grant-cost.ts compares). */
  grantStatement?: 'folded' | 'separate';
}

export interface VoteOp {
  sessionId: string;
  value: VoteValue;
  /** The voter's IP identity under today's salt (ViewerHasher.ipKeyFor); required with caps. */
  ipKey?: string;
  /** A checked proof of work; claimed (single use) only if this vote needs it to count. */
  solution?: VerifiedSolution;
}

/** One op's reply, and whether it changed its session's vote (ec_writes_total: applied or no_change). */
export interface VoteResult {
  snapshot: MetricsSnapshot;
  changed: boolean;
  /** Changed the session's vote but its IP identity is over the cap: the counters did not move. */
  overIpCap: boolean;
  /** Refused: nothing of its session changed (recordVote answers 428 or 403). */
  refused?: VoteRefusal;
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
      const asked = planVotes(locked.current, ops);
      const target = { exposeId, day: utcDay(now), now };
      const caps = deps.caps && { free: deps.caps.freeVotes, max: deps.caps.maxVotes };
      // Nearly every batch carries no solutions: grant and write in one statement.
      const w =
        caps && deps.grantStatement !== 'separate' && !ops.some((o) => o.solution)
          ? await writeUnpaidVotes(tx, caps, target, asked, locked, ops)
          : await writeGatedVotes(tx, caps, target, asked, locked, ops);
      // A refused session's ops are left out: its row and the counters stay as they were.
      const plan = w.refused.size > 0 ? planVotes(locked.current, ops.filter((o) => !w.refused.has(o.sessionId))) : asked;
      await addVoteHistory(tx, exposeId, w.delta, now);
      return {
        snapshots: ops.map((op) => toSnapshot(exposeId, w.counters, myVoteFromValue(plan.finals.get(op.sessionId) ?? locked.current.get(op.sessionId)))),
        changed: plan.changes.length > 0,
        // Per request: its session's net change moved the counters, or was over the cap, or refused, or changed nothing public.
        outcomes: ops.map((op): AuditOutcome => {
          const refusal = w.refused.get(op.sessionId);
          if (refusal) return refusal;
          if (w.moved.has(op.sessionId)) return 'counted';
          return (w.written.get(op.sessionId) ?? 0) !== 0 ? 'over_ip_cap' : 'no_change';
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
  return snapshots.map((snapshot, i) => {
    const outcome = outcomes[i];
    const refused = outcome === 'challenge_required' || outcome === 'challenge_failed' ? outcome : undefined;
    return { snapshot, changed: !refused && (opChanged[i] ?? false), overIpCap: outcome === 'over_ip_cap', ...(refused && { refused }) };
  });
}

/** With solutions (claimed in gateVotes) or without caps: grants first, then the rows and counters. */
async function writeGatedVotes(
  tx: WriteQueries,
  caps: { free: number; max: number } | undefined,
  target: { exposeId: string; day: string; now: Date },
  asked: VotePlan,
  locked: LockedVotes & { counters: CounterRow },
  ops: readonly VoteOp[],
): Promise<VotesWritten> {
  const gate = caps ? await gateVotes(tx, caps, target, asked, locked, ops) : uncapped(ops);
  const plan = gate.refused.size > 0 ? planVotes(locked.current, ops.filter((o) => !gate.refused.has(o.sessionId))) : asked;
  const { changes, delta, moved } = countedChanges(plan, locked, gate.bucketOf, gate.granted);
  const counters = changes.length > 0 ? await tx.writeVotes(target.exposeId, changes, delta, { now: target.now }) : locked.counters;
  return { counters, refused: gate.refused, moved, delta, written: new Map(changes.map((c) => [c.sessionId, c.value])) };
}

/** Store-only tests: every vote counts. */
function uncapped(ops: readonly VoteOp[]): VoteGate {
  return { refused: new Map(), bucketOf: new Map(ops.map((o) => [o.sessionId, ''])), granted: new Map([['', Number.MAX_SAFE_INTEGER]]) };
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

/**
 * One request's vote, applied through the hot-write path (coalesced with concurrent ones). A
 * solution is checked (signature, expose, expiry) before the vote is queued; beyond the free votes
 * a vote without one gets a fresh challenge (428).
 */
export async function recordVote(
  deps: { hotWrites: HotWrites; viewers: ViewerHasher; challenges: ChallengeIssuer; audit?: AuditRecorder; now: () => Date },
  input: { exposeId: string; sessionId: string; voteType: VoteType; ip: string; challengeSolution?: string },
): Promise<VoteResult> {
  const ipKey = await deps.viewers.ipKeyFor(input.ip, deps.now());
  const solution = input.challengeSolution === undefined ? undefined : await verifyOrAudit(deps, input.exposeId, 'vote', input.challengeSolution);
  const result = await deps.hotWrites.vote(input.exposeId, { sessionId: input.sessionId, value: voteValueOf(input.voteType), ipKey, solution });
  if (result.refused === 'challenge_required') throw new ChallengeRequiredError(await deps.challenges.issue(input.exposeId, 'vote'));
  if (result.refused === 'challenge_failed') throw challengeFailed('This challenge was already used; solve a new one.');
  return result;
}

/** A forged, foreign or expired solution is refused before anything is queued, and audited. */
export function verifyOrAudit(
  deps: { challenges: ChallengeIssuer; audit?: AuditRecorder },
  exposeId: string,
  op: ChallengeOp,
  header: string,
): Promise<VerifiedSolution> {
  return deps.challenges.verify(header, exposeId, op).catch((err: unknown) => {
    if (err instanceof DomainError && err.code === 'challenge_failed') deps.audit?.record(exposeId, op, 'challenge_failed');
    throw err;
  });
}

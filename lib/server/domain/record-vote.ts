import type { MetricsSnapshot, VoteType } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { CounterRow, LockedVotesRow, MetricsStore, WriteQueries } from '@/lib/server/store/port';
import type { HotWrites } from './hot-writes';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { planVotes, voteValueOf, type VoteValue } from '@/lib/contracts/vote-transition';
import { countedChanges, gateVotes, writeUnpaidVotes, type ExposeVotes, type VoteGate, type VoteRefusal, type VotesWritten } from './counted-votes';
import { ChallengeRequiredError, challengeFailed, type ChallengeIssuer, type ChallengeOp, type VerifiedSolution } from './challenge';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { AuditOutcome, AuditRecorder } from './audit';
import { DomainError, expired, notFound } from './errors';
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

/** A vote on one expose, for batches that span several exposes. */
export interface ExposeVoteOp extends VoteOp {
  exposeId: string;
}

/** A batch entry's outcome: its result, or the 404/410 that explains why nothing was written for it. */
export type VoteOutcome = VoteResult | DomainError;

/**
 * Sets several sessions' votes on one expose in ONE transaction (applyVoteBatchAcross); a missing
 * or expired expose fails the call. Returns one snapshot per op, each with that session's resulting vote.
 */
export async function applyVoteBatch(deps: VoteDeps, exposeId: string, ops: readonly VoteOp[]): Promise<MetricsSnapshot[]> {
  return (await applyVoteBatchWithChanges(deps, exposeId, ops)).map((r) => r.snapshot);
}

export async function applyVoteBatchWithChanges(deps: VoteDeps, exposeId: string, ops: readonly VoteOp[]): Promise<VoteResult[]> {
  const outcomes = await applyVoteBatchAcross(
    deps,
    ops.map((op) => ({ ...op, exposeId })),
  );
  return outcomes.map((o) => {
    if (o instanceof DomainError) throw o;
    return o;
  });
}

/**
 * Sets the votes of a batch spanning any number of exposes in ONE transaction: lock every
 * (expose, session) vote row, plan each expose's transition, pass every expose through the count
 * integrity gate (the free grant folded into the write, or with solutions the claims and both
 * grants), write rows and per-expose counter deltas, and add the engagement history; a fixed number
 * of statements whatever the number of exposes, in the lock order of store/vote-queries.ts, so
 * batches never deadlock. Per expose the outcome is the one a batch of its own ops alone would get:
 * nothing changes (and `version` stays) when none of its sessions' states change, and a missing or
 * expired expose fails only its own ops (404/410). Changes are published to live subscribers after
 * the commit, never before.
 */
export async function applyVoteBatchAcross(deps: VoteDeps, ops: readonly ExposeVoteOp[]): Promise<VoteOutcome[]> {
  const now = deps.now();
  const byExpose = new Map<string, ExposeVoteOp[]>();
  for (const op of ops) {
    let list = byExpose.get(op.exposeId);
    if (!list) byExpose.set(op.exposeId, (list = []));
    list.push(op);
  }
  const applied = await deps.store.transaction(async (tx) => {
    const locked = await tx.lockVotes(ops, { now });
    const batches: ExposeVotes<ExposeVoteOp>[] = [...byExpose].flatMap(([exposeId, exposeOps]) => {
      const row = locked.get(exposeId);
      return row?.open ? [{ exposeId, ops: exposeOps, locked: row, plan: planVotes(row.current, exposeOps) }] : [];
    });
    const caps = deps.caps && { free: deps.caps.freeVotes, max: deps.caps.maxVotes };
    const day = utcDay(now);
    // Nearly every batch carries no solutions: grant and write in one statement.
    const written =
      caps && deps.grantStatement !== 'separate' && !ops.some((o) => o.solution)
        ? await writeUnpaidVotes(tx, caps, { day, now }, batches)
        : await writeGatedVotes(tx, caps, { day, now }, batches);
    const history = batches.flatMap((b, i) => ((d) => (d.upvotes !== 0 || d.downvotes !== 0 ? [{ exposeId: b.exposeId, ...d }] : []))(written[i]!.delta));
    await addVoteHistory(tx, history, now);
    return { locked, batches, written };
  });

  const results = new Map<string, (op: ExposeVoteOp) => { snapshot: MetricsSnapshot; outcome: AuditOutcome }>();
  const changed = new Set<string>();
  applied.batches.forEach((b, i) => {
    const w = applied.written[i]!;
    // A refused session's ops are left out: its row and the counters stay as they were.
    const plan = w.refused.size > 0 ? planVotes(b.locked.current, b.ops.filter((o) => !w.refused.has(o.sessionId))) : b.plan;
    if (plan.changes.length > 0) changed.add(b.exposeId);
    results.set(b.exposeId, (op) => ({
      snapshot: toSnapshot(b.exposeId, w.counters, myVoteFromValue(plan.finals.get(op.sessionId) ?? b.locked.current.get(op.sessionId))),
      // Per request: its session's net change moved the counters, or was over the cap, or refused, or changed nothing public.
      outcome: w.refused.get(op.sessionId) ?? (w.moved.has(op.sessionId) ? 'counted' : (w.written.get(op.sessionId) ?? 0) !== 0 ? 'over_ip_cap' : 'no_change'),
    }));
  });

  const opChanged = changesPerOp(applied.locked, ops);
  const outcomes = ops.map((op, i): VoteOutcome => {
    const result = results.get(op.exposeId);
    if (!result) return applied.locked.has(op.exposeId) ? expired() : notFound();
    const { snapshot, outcome } = result(op);
    deps.audit?.record(op.exposeId, 'vote', outcome);
    const refused = outcome === 'challenge_required' || outcome === 'challenge_failed' ? outcome : undefined;
    return { snapshot, changed: !refused && (opChanged[i] ?? false), overIpCap: outcome === 'over_ip_cap', ...(refused && { refused }) };
  });
  for (const [exposeId, exposeOps] of byExpose) {
    if (!results.has(exposeId) && applied.locked.has(exposeId)) deps.audit?.record(exposeId, 'vote', 'expired', exposeOps.length);
    if (changed.has(exposeId)) publishSnapshot(deps.bus, results.get(exposeId)!(exposeOps[0]!).snapshot);
  }
  return outcomes;
}

/** With solutions (claimed in gateVotes) or without caps: grants first, then the rows and counters. */
async function writeGatedVotes(
  tx: WriteQueries,
  caps: { free: number; max: number } | undefined,
  target: { day: string; now: Date },
  batches: readonly ExposeVotes<ExposeVoteOp>[],
): Promise<VotesWritten[]> {
  const gates = caps ? await gateVotes(tx, caps, target.day, batches) : batches.map((b) => uncapped(b.ops));
  const counted = batches.map((b, i) => {
    const gate = gates[i]!;
    const plan = gate.refused.size > 0 ? planVotes(b.locked.current, b.ops.filter((o) => !gate.refused.has(o.sessionId))) : b.plan;
    return countedChanges(plan, b.locked, gate.bucketOf, gate.granted);
  });
  const writes = batches.flatMap((b, i) => (counted[i]!.changes.length > 0 ? [{ exposeId: b.exposeId, changes: counted[i]!.changes, delta: counted[i]!.delta }] : []));
  const after = writes.length > 0 ? await tx.writeVotes(writes, { now: target.now }) : new Map<string, CounterRow>();
  return batches.map((b, i) => {
    const { changes, delta, moved } = counted[i]!;
    return { counters: after.get(b.exposeId) ?? b.locked.counters, refused: gates[i]!.refused, moved, delta, written: new Map(changes.map((c) => [c.sessionId, c.value])) };
  });
}

/** Store-only tests: every vote counts. */
function uncapped(ops: readonly VoteOp[]): VoteGate {
  return { refused: new Map(), bucketOf: new Map(ops.map((o) => [o.sessionId, ''])), granted: new Map([['', Number.MAX_SAFE_INTEGER]]) };
}

/** In batch order: an op changed its session's vote if it differs from that session's vote before it. */
function changesPerOp(locked: ReadonlyMap<string, LockedVotesRow>, ops: readonly ExposeVoteOp[]): boolean[] {
  const state = new Map<string, number>();
  return ops.map((op) => {
    const key = `${op.exposeId}\n${op.sessionId}`;
    const before = state.get(key) ?? locked.get(op.exposeId)?.current.get(op.sessionId) ?? 0;
    state.set(key, op.value);
    return before !== op.value;
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

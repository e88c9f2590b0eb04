import type { CounterRow, ExposeIpGrantRequest, ExposeVoteWrite, GrantedVoteChange, IpGrant, IpGrantRequest, VoteChange, WriteQueries } from '@/lib/server/store/port';
import { transitionDelta, type CounterDelta, type VotePlan } from '@/lib/contracts/vote-transition';

/**
 * Votes over an IP identity's cap: the row keeps the voter's value (their button stays pressed) but
 * `counted` is false and the counters never saw it. A row's share of the counters is therefore
 * `counted ? value : 0`, and every transition moves the counters by the change of that share:
 * - a counted up/down vote switching direction stays counted (no new grant);
 * - a vote that is not in the counters (none before, or an uncounted one) needs a grant to count;
 * - taking back an uncounted vote moves nothing.
 */
export interface LockedVotes {
  current: ReadonlyMap<string, number>;
  counted: ReadonlyMap<string, boolean>;
}

const shareOf = (locked: LockedVotes, sessionId: string): number =>
  locked.counted.get(sessionId) === false ? 0 : (locked.current.get(sessionId) ?? 0);

/** The counted votes each IP identity asks for in this plan. */
export function grantRequests(plan: VotePlan, locked: LockedVotes, ipKeyOf: ReadonlyMap<string, string>): IpGrantRequest[] {
  const wanted = new Map<string, number>();
  for (const c of plan.changes) {
    if (c.value === 0 || shareOf(locked, c.sessionId) !== 0) continue;
    const ipKey = ipKeyOf.get(c.sessionId)!;
    wanted.set(ipKey, (wanted.get(ipKey) ?? 0) + 1);
  }
  return [...wanted].map(([ipKey, n]) => ({ ipKey, n }));
}

/** The rows to write, the counter delta and the sessions whose change moved it, given what each IP identity was granted (in plan order). */
export function countedChanges(
  plan: VotePlan,
  locked: LockedVotes,
  ipKeyOf: ReadonlyMap<string, string>,
  granted: ReadonlyMap<string, number>,
): { changes: VoteChange[]; delta: CounterDelta; moved: Set<string> } {
  const left = new Map(granted);
  const moved = new Set<string>();
  const delta: CounterDelta = { upvotes: 0, downvotes: 0 };
  const changes = plan.changes.map((c): VoteChange => {
    const before = shareOf(locked, c.sessionId);
    let counted = c.value !== 0 && before !== 0;
    if (c.value !== 0 && before === 0) {
      const ipKey = ipKeyOf.get(c.sessionId)!;
      const n = left.get(ipKey) ?? 0;
      counted = n > 0;
      if (counted) left.set(ipKey, n - 1);
    }
    const d = transitionDelta(before, counted ? c.value : 0);
    delta.upvotes += d.upvotes;
    delta.downvotes += d.downvotes;
    if (d.upvotes !== 0 || d.downvotes !== 0) moved.add(c.sessionId);
    return { sessionId: c.sessionId, value: c.value, counted };
  });
  return { changes, delta, moved };
}

/** Why a session's ops in a batch were refused (nothing of that session is written). */
export type VoteRefusal = 'challenge_required' | 'challenge_failed';

export interface VoteGate {
  refused: Map<string, VoteRefusal>;
  /** The grant bucket of each session: its IP identity, or a second bucket for votes paid with a solution. */
  bucketOf: Map<string, string>;
  granted: Map<string, number>;
}

/** The ops the gate needs: their session, IP identity and verified (not yet claimed) solution. */
export interface GateOp {
  sessionId: string;
  ipKey?: string;
  solution?: { id: string; expiresAt: Date };
}

/** One expose's part of a vote batch that spans several: its plan, locked rows and ops. */
export interface ExposeVotes<O extends GateOp = GateOp> {
  exposeId: string;
  plan: VotePlan;
  locked: LockedVotes & { counters: CounterRow };
  ops: readonly O[];
}

const PAID = '\u0000paid';

const countBy = (exposeId: string, keys: readonly string[]): ExposeIpGrantRequest[] => {
  const n = new Map<string, number>();
  for (const k of keys) n.set(k, (n.get(k) ?? 0) + 1);
  return [...n].map(([ipKey, count]) => ({ exposeId, ipKey, n: count }));
};

function ipKeysOf(ops: readonly GateOp[], who: string): Map<string, string> {
  const ipKeyOf = new Map<string, string>();
  for (const op of ops) {
    if (op.ipKey === undefined) throw new Error(`${who}: a capped vote needs its ipKey`);
    ipKeyOf.set(op.sessionId, op.ipKey);
  }
  return ipKeyOf;
}

/**
 * Decides, inside the votes' transaction, which new counted votes an IP identity gets on each
 * expose of the batch (docs/SECURITY.md "Count integrity"):
 * - without a solution, up to `free` per identity, expose and day;
 * - beyond that, a vote that pays with a solution (claimed here, single use) counts up to `max`;
 * - one without a solution is refused with `challenge_required` while `max` leaves room, and
 *   accepted uncounted (over_ip_cap) once it does not; a replayed solution refuses its vote.
 * Both grants are capped upserts holding the identity's row lock, so no race passes a cap. The
 * paid grant and the claim run only when a batch carries solutions; one statement each for every
 * expose of the batch (when both grants run, the identities' rows are locked first in one sorted
 * statement, so the batch keeps the global lock order of store/vote-queries.ts).
 */
export async function gateVotes(
  tx: Pick<WriteQueries, 'grantIpVotes' | 'claimChallenges' | 'lockIpCounts'>,
  caps: { free: number; max: number },
  day: string,
  batches: readonly ExposeVotes[],
): Promise<VoteGate[]> {
  const per = batches.map((b) => {
    const ipKeyOf = ipKeysOf(b.ops, 'gateVotes');
    const solutionOf = new Map<string, { id: string; expiresAt: Date }>();
    for (const op of b.ops) if (op.solution) solutionOf.set(op.sessionId, op.solution);
    // Sessions asking for a new counted vote; a solution sent with any other change stays unused.
    const asking = b.plan.changes.filter((c) => c.value !== 0 && shareOf(b.locked, c.sessionId) === 0).map((c) => c.sessionId);
    const paying = asking.filter((s) => solutionOf.has(s));
    return { b, ipKeyOf, solutionOf, asking, paying, unpaid: asking.filter((s) => !solutionOf.has(s)), paid: [] as string[], refused: new Map<string, VoteRefusal>() };
  });
  const claims = new Map(per.flatMap((x) => x.paying.map((s) => x.solutionOf.get(s)!)).map((c) => [c.id, c]));
  const claimed = claims.size > 0 ? await tx.claimChallenges([...claims.values()]) : new Set<string>();
  for (const x of per)
    for (const s of x.paying) {
      // One claim pays for one vote, also when two sessions of the batch sent the same solution.
      if (claimed.delete(x.solutionOf.get(s)!.id)) x.paid.push(s);
      else x.refused.set(s, 'challenge_failed');
    }
  const freeRequests = per.flatMap((x) => countBy(x.b.exposeId, x.unpaid.map((s) => x.ipKeyOf.get(s)!)));
  const paidRequests = per.flatMap((x) => countBy(x.b.exposeId, x.paid.map((s) => x.ipKeyOf.get(s)!)));
  if (freeRequests.length > 0 && paidRequests.length > 0) await tx.lockIpCounts(day, [...freeRequests, ...paidRequests]);
  const none = new Map<string, Map<string, IpGrant>>();
  const freeGrants = freeRequests.length > 0 ? await tx.grantIpVotes(day, freeRequests, caps.free) : none;
  const paidGrants = paidRequests.length > 0 ? await tx.grantIpVotes(day, paidRequests, caps.max) : none;
  return per.map(({ b, ipKeyOf, unpaid, paid, refused }) => {
    const free = freeGrants.get(b.exposeId) ?? new Map<string, IpGrant>();
    const paidHere = paidGrants.get(b.exposeId) ?? new Map<string, IpGrant>();
    const bucketOf = new Map(ipKeyOf);
    const granted = new Map<string, number>();
    for (const s of paid) bucketOf.set(s, ipKeyOf.get(s)! + PAID);
    for (const [ipKey, g] of free) granted.set(ipKey, g.granted);
    for (const [ipKey, g] of paidHere) granted.set(ipKey + PAID, g.granted);
    // countedChanges hands an identity's free grants to its first unpaid sessions in plan order: the rest need a solution.
    const left = new Map(granted);
    for (const s of unpaid) {
      const ipKey = ipKeyOf.get(s)!;
      const n = left.get(ipKey) ?? 0;
      if (n > 0) {
        left.set(ipKey, n - 1);
        continue;
      }
      const total = (paidHere.get(ipKey) ?? free.get(ipKey))?.total ?? 0;
      if (total < caps.max) refused.set(s, 'challenge_required');
    }
    return { refused, bucketOf, granted };
  });
}

/** What a batch wrote on one expose: the counters after it, refused sessions, sessions that moved them, and each written session's value. */
export interface VotesWritten {
  counters: CounterRow;
  refused: Map<string, VoteRefusal>;
  moved: Set<string>;
  /** How far the counters moved (the engagement history adds the same). */
  delta: CounterDelta;
  written: Map<string, number>;
}

/**
 * A batch without solutions (nearly every batch): ONE statement grants the free votes and writes
 * the rows and counters of every expose of the batch (writeVotesGranted), instead of a grant
 * statement and a write statement. An asking vote the grant refused while the hard cap has room
 * must not stay stored: its row is put back as it was (a second statement, only then; it moved no
 * counter) and it is refused with `challenge_required`. Same outcome as gateVotes +
 * countedChanges, one round trip less.
 */
export async function writeUnpaidVotes(
  tx: Pick<WriteQueries, 'writeVotesGranted' | 'writeVotes'>,
  caps: { free: number; max: number },
  target: { day: string; now: Date },
  batches: readonly ExposeVotes[],
): Promise<VotesWritten[]> {
  const planned = batches.map((b) => {
    const ipKeyOf = ipKeysOf(b.ops, 'writeUnpaidVotes');
    const nextRank = new Map<string, number>();
    const changes: GrantedVoteChange[] = b.plan.changes.map((c) => {
      const before = shareOf(b.locked, c.sessionId);
      const asks = c.value !== 0 && before === 0;
      const ipKey = ipKeyOf.get(c.sessionId)!;
      const rank = asks ? (nextRank.get(ipKey) ?? 0) + 1 : 0;
      if (asks) nextRank.set(ipKey, rank);
      return { sessionId: c.sessionId, value: c.value, before, asks, ipKey, rank, counted: c.value !== 0 && before !== 0 };
    });
    return { b, changes, refused: new Map<string, VoteRefusal>() };
  });
  const writes = planned.filter((x) => x.changes.length > 0).map((x) => ({ exposeId: x.b.exposeId, changes: x.changes }));
  const results = writes.length > 0 ? await tx.writeVotesGranted(writes, { day: target.day, cap: caps.free }, { now: target.now }) : new Map();
  const restores: ExposeVoteWrite[] = [];
  for (const { b, changes, refused } of planned) {
    const result = results.get(b.exposeId);
    if (!result) continue;
    for (const c of changes) {
      if (c.asks && !result.counted.has(c.sessionId) && (result.grants.get(c.ipKey)?.total ?? 0) < caps.max) refused.set(c.sessionId, 'challenge_required');
    }
    if (refused.size > 0) {
      const restore = [...refused.keys()].map((s) => ({ sessionId: s, value: b.locked.current.get(s) ?? 0, counted: b.locked.counted.get(s) ?? true }));
      restores.push({ exposeId: b.exposeId, changes: restore, delta: { upvotes: 0, downvotes: 0 } });
    }
  }
  const restored = restores.length > 0 ? await tx.writeVotes(restores, { now: target.now }) : new Map<string, CounterRow>();
  return planned.map(({ b, changes, refused }): VotesWritten => {
    const result = results.get(b.exposeId);
    if (!result) return { counters: b.locked.counters, refused, moved: new Set(), delta: { upvotes: 0, downvotes: 0 }, written: new Map() };
    const moved = new Set<string>();
    const written = new Map<string, number>();
    const delta: CounterDelta = { upvotes: 0, downvotes: 0 };
    for (const c of changes) {
      if (refused.has(c.sessionId)) continue;
      written.set(c.sessionId, c.value);
      const d = transitionDelta(c.before, result.counted.has(c.sessionId) ? c.value : 0);
      delta.upvotes += d.upvotes;
      delta.downvotes += d.downvotes;
      if (d.upvotes !== 0 || d.downvotes !== 0) moved.add(c.sessionId);
    }
    return { counters: restored.get(b.exposeId) ?? result.counters, refused, moved, delta, written };
  });
}

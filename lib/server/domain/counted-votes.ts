import type { IpGrantRequest, VoteChange } from '@/lib/server/store/port';
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

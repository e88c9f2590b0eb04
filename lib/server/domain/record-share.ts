import type { ShareChannel } from '@/lib/contracts/metrics';
import type { ShareOp, WriteQueries } from '@/lib/server/store/port';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { publishCommitted, runIdempotent, type IdempotencyDeps, type Reply } from './idempotency';
import { assertWritable } from './assert-writable';
import type { IpCaps } from './record-vote';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { AuditOutcome, AuditRecorder } from './audit';
import { DomainError } from './errors';
import { ChallengeRequiredError, challengeFailed, type ChallengeIssuer } from './challenge';
import { verifyOrAudit } from './record-vote';

/** One share per request (or per Idempotency-Key), recorded with its channel. */
export async function applyShareBatch(
  w: Pick<WriteQueries, 'applyShares'>,
  exposeId: string,
  ops: readonly ShareOp[],
  now: Date,
  /** Shares per IP identity, expose and day that count; absent in store-only tests. */
  cap?: number,
) {
  const ipCap = cap === undefined ? undefined : { day: utcDay(now), max: cap };
  const result = assertWritable(await w.applyShares(exposeId, ops, { now, ipCap }));
  return {
    snapshots: ops.map((op) => toSnapshot(exposeId, result.counters, myVoteFromValue(result.votes.get(op.sessionId)))),
    recorded: result.recorded,
    ipTotal: result.ipTotal,
  };
}

/**
 * Beyond the free shares of its IP identity, a share needs a solution (428 with a challenge
 * otherwise); a solution raises the cap to the hard one and is claimed in the share's own
 * transaction, so a failed share does not burn it and a replay finds it used.
 */
export async function recordShare(
  deps: IdempotencyDeps & { viewers: ViewerHasher; caps: IpCaps; challenges: ChallengeIssuer; audit?: AuditRecorder },
  input: { exposeId: string; channel: ShareChannel; sessionId: string; ip: string; idempotencyKey?: string; challengeSolution?: string },
): Promise<Reply & { overIpCap: boolean }> {
  const now = deps.now();
  const ipKey = await deps.viewers.ipKeyFor(input.ip, now);
  const solution =
    input.challengeSolution === undefined ? undefined : await verifyOrAudit(deps, input.exposeId, 'share', input.challengeSolution);
  // Set inside the effect; stays 'replayed' when the stored reply is replayed instead.
  let outcome = 'replayed' as AuditOutcome;
  const effect = async (w: WriteQueries): Promise<Reply> => {
    if (solution && !(await w.claimChallenges([solution])).has(solution.id)) {
      throw challengeFailed('This challenge was already used; solve a new one.');
    }
    const op = { sessionId: input.sessionId, channel: input.channel, ipKey };
    const cap = solution ? deps.caps.maxShares : deps.caps.freeShares;
    const { snapshots, recorded, ipTotal } = await applyShareBatch(w, input.exposeId, [op], now, cap);
    if (recorded === 0 && !solution && ipTotal < deps.caps.maxShares) {
      // Nothing was written (the capped upsert granted none), so the idempotency claim may roll back.
      throw new ChallengeRequiredError(await deps.challenges.issue(input.exposeId, 'share'));
    }
    outcome = recorded > 0 ? 'counted' : 'over_ip_cap';
    return { status: 200, body: snapshots[0] };
  };
  const reply = await runIdempotent(
    deps,
    {
      sessionId: input.sessionId,
      scope: 'share',
      key: input.idempotencyKey,
      request: { exposeId: input.exposeId, channel: input.channel },
    },
    // Without a key the effect runs outside a transaction; a claimed solution needs one.
    (w) => (solution && input.idempotencyKey === undefined ? deps.store.transaction(effect) : effect(w)),
  ).catch((err: unknown) => {
    if (err instanceof DomainError && (err.code === 'expired' || err.code === 'challenge_required' || err.code === 'challenge_failed')) {
      deps.audit?.record(input.exposeId, 'share', err.code);
    }
    throw err;
  });
  // Recorded after the commit (a rolled-back effect would have thrown): a replay moved nothing.
  deps.audit?.record(input.exposeId, 'share', reply.replayed ? 'replayed' : outcome);
  return { ...publishCommitted(deps, reply), overIpCap: !reply.replayed && outcome === 'over_ip_cap' };
}

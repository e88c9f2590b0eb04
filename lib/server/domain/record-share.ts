import type { ShareChannel } from '@/lib/contracts/metrics';
import type { ShareOp, WriteQueries } from '@/lib/server/store/port';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { publishCommitted, runIdempotent, type IdempotencyDeps, type Reply } from './idempotency';
import { assertWritable } from './assert-writable';
import type { IpCaps } from './record-vote';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { AuditOutcome, AuditRecorder } from './audit';
import { DomainError } from './errors';

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
  };
}

export async function recordShare(
  deps: IdempotencyDeps & { viewers: ViewerHasher; caps: IpCaps; audit?: AuditRecorder },
  input: { exposeId: string; channel: ShareChannel; sessionId: string; ip: string; idempotencyKey?: string },
): Promise<Reply & { overIpCap: boolean }> {
  const now = deps.now();
  const ipKey = await deps.viewers.ipKeyFor(input.ip, now);
  // Set inside the effect; stays 'replayed' when the stored reply is replayed instead.
  let outcome = 'replayed' as AuditOutcome;
  const reply = await runIdempotent(
    deps,
    {
      sessionId: input.sessionId,
      scope: 'share',
      key: input.idempotencyKey,
      request: { exposeId: input.exposeId, channel: input.channel },
    },
    async (w) => {
      const op = { sessionId: input.sessionId, channel: input.channel, ipKey };
      const { snapshots, recorded } = await applyShareBatch(w, input.exposeId, [op], now, deps.caps.shares);
      outcome = recorded > 0 ? 'counted' : 'over_ip_cap';
      return { status: 200, body: snapshots[0] };
    },
  ).catch((err: unknown) => {
    if (err instanceof DomainError && err.code === 'expired') deps.audit?.record(input.exposeId, 'share', 'expired');
    throw err;
  });
  // Recorded after the commit (a rolled-back effect would have thrown): a replay moved nothing.
  deps.audit?.record(input.exposeId, 'share', reply.replayed ? 'replayed' : outcome);
  return { ...publishCommitted(deps, reply), overIpCap: !reply.replayed && outcome === 'over_ip_cap' };
}

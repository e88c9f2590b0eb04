import type { ShareChannel } from '@/lib/contracts/metrics';
import type { ShareOp, WriteQueries } from '@/lib/server/store/port';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { publishCommitted, runIdempotent, type IdempotencyDeps, type Reply } from './idempotency';
import { assertWritable } from './assert-writable';

/** One share per request (or per Idempotency-Key), recorded with its channel. */
export async function applyShareBatch(
  w: Pick<WriteQueries, 'applyShares'>,
  exposeId: string,
  ops: readonly ShareOp[],
  now: Date,
) {
  const result = assertWritable(await w.applyShares(exposeId, ops, { now }));
  return ops.map((op) => toSnapshot(exposeId, result.counters, myVoteFromValue(result.votes.get(op.sessionId))));
}

export async function recordShare(
  deps: IdempotencyDeps,
  input: { exposeId: string; channel: ShareChannel; sessionId: string; idempotencyKey?: string },
): Promise<Reply> {
  const now = deps.now();
  const reply = await runIdempotent(
    deps,
    {
      sessionId: input.sessionId,
      scope: 'share',
      key: input.idempotencyKey,
      request: { exposeId: input.exposeId, channel: input.channel },
    },
    async (w) => {
      const [snapshot] = await applyShareBatch(w, input.exposeId, [{ sessionId: input.sessionId, channel: input.channel }], now);
      return { status: 200, body: snapshot };
    },
  );
  return publishCommitted(deps, reply);
}

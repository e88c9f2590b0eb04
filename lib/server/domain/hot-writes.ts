import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import type { ViewOp } from '@/lib/server/store/port';
import { applyViewBatch, type ViewDeps, type ViewReply } from './record-view';
import { applyVoteBatch, type VoteDeps, type VoteOp } from './record-vote';
import { createCoalescer } from './write-coalescer';

/**
 * The write path of the hot counters (votes and views): each request's op is applied to its
 * expose in a batch, and each request is answered after its batch committed.
 * - 'coalesced' (default): concurrent ops for one expose share one transaction (write-coalescer.ts).
 * - 'direct': one transaction per request; kept for the benchmark's naive baseline.
 * Shares and comments stay per request: they are rate-limited per session and carry idempotency
 * claims whose 409 semantics need their own statement.
 */
export interface HotWrites {
  vote(exposeId: string, op: VoteOp): Promise<MetricsSnapshot>;
  view(exposeId: string, op: ViewOp): Promise<ViewReply>;
  /** Ops accepted and not yet committed. */
  pendingCount(): number;
}

export type WritePath = 'coalesced' | 'direct';

export interface HotWritesOptions {
  path: WritePath;
  windowMs: number;
  maxBatch: number;
}

type Deps = VoteDeps & Pick<ViewDeps, 'store' | 'now' | 'bus'>;

export function createHotWrites(deps: Deps, opts: HotWritesOptions): HotWrites {
  if (opts.path === 'direct') {
    let pending = 0;
    const track = async <T>(work: Promise<T[]>): Promise<T> => {
      pending++;
      try {
        return (await work)[0]!;
      } finally {
        pending--;
      }
    };
    return {
      vote: (exposeId, op) => track(applyVoteBatch(deps, exposeId, [op])),
      view: (exposeId, op) => track(applyViewBatch(deps, exposeId, [op])),
      pendingCount: () => pending,
    };
  }
  const votes = createCoalescer<VoteOp, MetricsSnapshot>((id, ops) => applyVoteBatch(deps, id, ops), opts);
  const views = createCoalescer<ViewOp, ViewReply>((id, ops) => applyViewBatch(deps, id, ops), opts);
  return {
    vote: (exposeId, op) => votes.submit(exposeId, op),
    view: (exposeId, op) => views.submit(exposeId, op),
    pendingCount: () => votes.pendingCount() + views.pendingCount(),
  };
}

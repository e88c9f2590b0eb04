import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import type { ExposeViewOp, ViewOp } from '@/lib/server/store/port';
import { DomainError } from './errors';
import { applyViewBatch, type ViewDeps, type ViewOutcome, type ViewReply } from './record-view';
import { applyVoteBatch, type VoteDeps, type VoteOp } from './record-vote';
import { createCoalescer } from './write-coalescer';

/**
 * The write path of the hot counters (votes and views): each request's op is applied to its
 * expose in a batch, and each request is answered after its batch committed.
 * - 'coalesced' (default): concurrent votes for one expose share one transaction, and concurrent
 *   views share one statement whatever their exposes (write-coalescer.ts; views of many exposes
 *   arrive together from every feed page, and one commit per batch instead of per expose is what
 *   makes them cheap). Votes stay per expose: their transaction locks each session's vote row and
 *   plans the transition before writing.
 * - 'direct': one transaction per request; kept for the benchmark's naive baseline.
 * Shares and comments stay per request: they are rate-limited per session, and each one's
 * Idempotency-Key claim may wait for a duplicate in its own transaction (idempotency.ts).
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

/** The one coalescer key of all views: a batch spans every expose viewed meanwhile. */
const ALL_VIEWS = 'views';

/** A batch entry that failed on its own (missing or expired expose) rejects only its request. */
const settle = (outcome: ViewOutcome): ViewReply => {
  if (outcome instanceof DomainError) throw outcome;
  return outcome;
};

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
      view: (exposeId, op) => track(applyViewBatch(deps, [{ ...op, exposeId }])).then(settle),
      pendingCount: () => pending,
    };
  }
  const votes = createCoalescer<VoteOp, MetricsSnapshot>((id, ops) => applyVoteBatch(deps, id, ops), opts);
  const views = createCoalescer<ExposeViewOp, ViewOutcome>((_key, ops) => applyViewBatch(deps, ops), opts);
  return {
    vote: (exposeId, op) => votes.submit(exposeId, op),
    view: (exposeId, op) => views.submit(ALL_VIEWS, { ...op, exposeId }).then(settle),
    pendingCount: () => votes.pendingCount() + views.pendingCount(),
  };
}

import { noWritePathProbe, type WritePathProbe } from '@/lib/server/observability/probes';
import type { ExposeViewOp, ViewOp } from '@/lib/server/store/port';
import { DomainError } from './errors';
import { applyViewBatch, type ViewDeps, type ViewOutcome, type ViewReply } from './record-view';
import { applyVoteBatchWithChanges, type VoteDeps, type VoteOp, type VoteResult } from './record-vote';
import { createWriteCoalescer, type CoalescerOptions } from './write-coalescer';

/**
 * The write path of the hot counters (votes and views): each request's op is applied to its
 * expose in a batch, and each request is answered after its batch committed.
 * - 'coalesced' (default): concurrent votes for one expose share one transaction, and concurrent
 *   views share one statement whatever their exposes (write-coalescer.ts; views of many exposes
 *   arrive together from every feed page, and one commit per batch instead of per expose is what
 *   makes them cheap). Votes stay per expose: their transaction locks each session's vote row and
 *   plans the transition before writing.
 *   When the database is slow, the queue is bounded and each queued write has a deadline: excess
 *   writes get 503 `unavailable` with Retry-After instead of waiting without bound.
 * - 'direct': one transaction per request; kept for the benchmark's naive baseline (no shedding).
 * Shares and comments stay per request: they are rate-limited per session, and each one's
 * Idempotency-Key claim may wait for a duplicate in its own transaction (idempotency.ts).
 */
export interface HotWrites {
  vote(exposeId: string, op: VoteOp): Promise<VoteResult>;
  view(exposeId: string, op: ViewOp): Promise<ViewReply>;
  /** Ops accepted and not yet committed. */
  pendingCount(): number;
  /** Resolves when every op accepted so far is settled (committed or failed): shutdown waits for it. */
  idle(): Promise<void>;
}

export type WritePath = 'coalesced' | 'direct';

/** Batching and load shedding (write-coalescer.ts); shedding applies to votes and views each. */
export interface HotWritesOptions extends CoalescerOptions {
  path: WritePath;
}

type Deps = VoteDeps & Pick<ViewDeps, 'store' | 'now' | 'bus' | 'caps' | 'audit'> & { probe?: WritePathProbe };

/** The one coalescer key of all views: a batch spans every expose viewed meanwhile. */
const ALL_VIEWS = 'views';

/** A batch entry that failed on its own (missing or expired expose) rejects only its request. */
const settle = (outcome: ViewOutcome): ViewReply => {
  if (outcome instanceof DomainError) throw outcome;
  return outcome;
};

/** The ops accepted and not settled, so shutdown can wait for them before closing the store. */
function createSettleTracker() {
  const outstanding = new Set<Promise<unknown>>();
  return {
    track<T>(work: Promise<T>): Promise<T> {
      const settled: Promise<unknown> = work.then(
        () => outstanding.delete(settled),
        () => outstanding.delete(settled),
      );
      outstanding.add(settled);
      return work;
    },
    async idle(): Promise<void> {
      while (outstanding.size > 0) await Promise.all([...outstanding]);
    },
  };
}

export function createHotWrites(deps: Deps, opts: HotWritesOptions): HotWrites {
  const writes = createSettleTracker();
  const probe = deps.probe ?? noWritePathProbe;
  // Batch sizes as they reach the database; the time from enqueue to commit as the caller sees it.
  const runVotes = (id: string, ops: VoteOp[]) => (probe.batch('vote', ops.length), applyVoteBatchWithChanges(deps, id, ops));
  const runViews = (ops: ExposeViewOp[]) => (probe.batch('view', ops.length), applyViewBatch(deps, ops));
  const timed = <T>(kind: 'vote' | 'view', work: Promise<T>): Promise<T> => {
    const start = performance.now();
    return work.then((r) => (probe.committed(kind, (performance.now() - start) / 1000), r));
  };
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
      vote: (exposeId, op) => writes.track(timed('vote', track(runVotes(exposeId, [op])))),
      view: (exposeId, op) => writes.track(timed('view', track(runViews([{ ...op, exposeId }])))).then(settle),
      pendingCount: () => pending,
      idle: writes.idle,
    };
  }
  const votes = createWriteCoalescer<VoteOp, VoteResult>(runVotes, opts);
  const views = createWriteCoalescer<ExposeViewOp, ViewOutcome>((_key, ops) => runViews(ops), opts);
  return {
    vote: (exposeId, op) => writes.track(timed('vote', votes.submit(exposeId, op))),
    view: (exposeId, op) => writes.track(timed('view', views.submit(ALL_VIEWS, { ...op, exposeId }))).then(settle),
    pendingCount: () => votes.pendingCount() + views.pendingCount(),
    idle: writes.idle,
  };
}

import { noWritePathProbe, type WritePathProbe } from '@/lib/server/observability/probes';
import type { ExposeViewOp, ViewOp } from '@/lib/server/store/port';
import { DomainError } from './errors';
import { applyViewBatch, type ViewDeps, type ViewOutcome, type ViewReply } from './record-view';
import { applyVoteBatchAcross, type ExposeVoteOp, type VoteDeps, type VoteOp, type VoteOutcome, type VoteResult } from './record-vote';
import { createWriteCoalescer, type CoalescerOptions } from './write-coalescer';

/**
 * The write path of the hot counters (votes and views): each request's op is applied to its
 * expose in a batch, and each request is answered after its batch committed.
 * - 'coalesced' (default): concurrent votes share one transaction and concurrent views share one
 *   statement, whatever their exposes (write-coalescer.ts; one commit per batch instead of per
 *   expose is what makes spread writes cheap). A vote batch's transaction locks each session's
 *   vote row, plans the transition and passes every expose through the count-integrity gate before
 *   writing (record-vote.ts); the lock order that keeps batches of votes and views from
 *   deadlocking is in store/vote-queries.ts.
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
/** The same for votes. */
const ALL_VOTES = 'votes';

/** A batch entry that failed on its own (missing or expired expose) rejects only its request. */
const settle = <T>(outcome: T | DomainError): T => {
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
  const runVotes = (ops: ExposeVoteOp[]) => (probe.batch('vote', ops.length), applyVoteBatchAcross(deps, ops));
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
      vote: (exposeId, op) => writes.track(timed('vote', track(runVotes([{ ...op, exposeId }])))).then(settle),
      view: (exposeId, op) => writes.track(timed('view', track(runViews([{ ...op, exposeId }])))).then(settle),
      pendingCount: () => pending,
      idle: writes.idle,
    };
  }
  const votes = createWriteCoalescer<ExposeVoteOp, VoteOutcome>((_key, ops) => runVotes(ops), opts);
  const views = createWriteCoalescer<ExposeViewOp, ViewOutcome>((_key, ops) => runViews(ops), opts);
  return {
    vote: (exposeId, op) => writes.track(timed('vote', votes.submit(ALL_VOTES, { ...op, exposeId }))).then(settle),
    view: (exposeId, op) => writes.track(timed('view', views.submit(ALL_VIEWS, { ...op, exposeId }))).then(settle),
    pendingCount: () => votes.pendingCount() + views.pendingCount(),
    idle: writes.idle,
  };
}

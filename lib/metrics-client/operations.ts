import type { MyVote, ShareChannel } from '@/lib/contracts/core';

export type OpKind = 'vote' | 'view' | 'share' | 'comment';

/**
 * Lifecycle of a pending operation:
 * debouncing (votes only) -> queued (votes waiting behind an earlier vote) -> sending <-> waiting
 * (backoff or offline) -> acked (confirmed; kept only until its reply can be folded, see reducer.ts).
 */
export type OpPhase = 'debouncing' | 'queued' | 'sending' | 'waiting' | 'acked';

interface OpBase {
  /** Unique per operation; sent as Idempotency-Key and reused by every retry. */
  id: string;
  exposeId: string;
  /** Attempts started so far (0 before the first request). */
  attempt: number;
  phase: OpPhase;
  /** True once a request has left: from then on the server may have applied it. */
  sent: boolean;
  createdAt: number;
  /** Version of the server's reply, once acked. */
  ackVersion?: number;
}

export interface VotePayload {
  target: MyVote;
}
export interface SharePayload {
  channel: ShareChannel;
}
export interface CommentPayload {
  body: string;
  authorName?: string;
}

/** A plain, serialisable object (design: the offline queue will persist these in IndexedDB). */
export type PendingOp =
  | (OpBase & { kind: 'vote'; payload: VotePayload })
  | (OpBase & { kind: 'view'; payload: Record<string, never> })
  | (OpBase & { kind: 'share'; payload: SharePayload })
  | (OpBase & { kind: 'comment'; payload: CommentPayload });

export type OpInput =
  | { kind: 'vote'; payload: VotePayload }
  | { kind: 'view'; payload: Record<string, never> }
  | { kind: 'share'; payload: SharePayload }
  | { kind: 'comment'; payload: CommentPayload };

export function createOp(
  input: OpInput,
  meta: { id: string; exposeId: string; now: number; phase: OpPhase },
): PendingOp {
  const base: OpBase = { id: meta.id, exposeId: meta.exposeId, attempt: 0, phase: meta.phase, sent: false, createdAt: meta.now };
  return { ...base, ...input } as PendingOp;
}

/** A final failure kept on the expose so the UI can say so and offer Retry. */
export interface OpFailure {
  op: PendingOp;
  code: string;
  message: string;
  at: number;
}

/** Ops whose final failure the person should hear about (a view is not their action). */
export const isUserVisibleKind = (kind: OpKind): boolean => kind !== 'view';

/** Not yet acknowledged and a request has left: the server may or may not have applied it. */
export const isUncertain = (op: PendingOp): boolean => op.sent && op.phase !== 'acked';

export const isVoteInFlight = (op: PendingOp): boolean =>
  op.kind === 'vote' && (op.phase === 'sending' || op.phase === 'waiting');

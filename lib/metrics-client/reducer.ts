import type { Comment, MetricsSnapshot, MyVote } from '@/lib/contracts/core';
import { emptyMetrics } from '@/lib/contracts/metric-names';
import { isUncertain, isUserVisibleKind, type OpFailure, type OpPhase, type PendingOp } from './operations';
import { mergeSnapshot, toConfirmed, type ConfirmedSnapshot } from './snapshot';

/**
 * Per-expose client state: the confirmed server snapshot plus the operations still pending.
 * Displayed numbers are derived from it in view.ts; nothing here is ever "server reply + delta".
 *
 * Double counting: a server snapshot may or may not already contain an op that was sent but not
 * acknowledged ("uncertain"). Votes are exact when the snapshot carries `myVote` (the vote effect is
 * relative to the confirmed myVote). Shares and comments (and votes vs. snapshots without myVote)
 * are ambiguous, so such a snapshot is held in `deferred` until every ambiguous op has settled, and
 * an op acknowledged in the meantime stays in `ops` as 'acked' (its effect still shown) until the
 * fold. With nothing ambiguous, an ack removes the op and applies its reply in one transition.
 * Trade-off: other people's changes to this one expose show up a little later while our own
 * share/comment is in flight (bounded by timeout + retries).
 */
export interface ExposeState {
  exposeId: string;
  confirmed: ConfirmedSnapshot;
  /** Newest snapshot held back while an uncertain op makes it ambiguous. */
  deferred: ConfirmedSnapshot | null;
  ops: readonly PendingOp[];
  /** The last final failure of a person's op; cleared by retry, dismiss or a later ack of that kind. */
  error: OpFailure | null;
  /**
   * Comments created through this engine or heard on the live stream since the page loaded, newest
   * first (by createdAt, then id, as the server pages them), each once, at most MAX_NEW_COMMENTS.
   */
  createdComments: readonly Comment[];
  /** Guard: at most one view op per expose per engine lifetime. */
  viewRequested: boolean;
}

export type ExposeAction =
  | { type: 'snapshot'; snapshot: MetricsSnapshot }
  | { type: 'op_added'; op: PendingOp }
  | { type: 'op_retried'; op: PendingOp }
  | { type: 'vote_merged'; opId: string; target: MyVote }
  | { type: 'op_phase'; opId: string; phase: Exclude<OpPhase, 'acked'> }
  | { type: 'op_attempt'; opId: string; attempt: number }
  | { type: 'op_acked'; opId: string; snapshot: MetricsSnapshot; comment?: Comment }
  | { type: 'op_failed'; opId: string; code: string; message: string; at: number }
  | { type: 'op_dropped'; opId: string }
  | { type: 'comment_received'; comment: Comment }
  | { type: 'error_cleared' };

/** A page that stays open under a busy thread keeps this many new comments; older ones are in the pages. */
export const MAX_NEW_COMMENTS = 500;

/** The server's page order: created_at desc, id desc. */
export const newestFirst = (a: Comment, b: Comment): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.createdAt < b.createdAt ? 1 : -1;

function withComment(list: readonly Comment[], comment: Comment): readonly Comment[] {
  if (list.some((c) => c.id === comment.id)) return list;
  return [...list, comment].sort(newestFirst).slice(0, MAX_NEW_COMMENTS);
}

export function initialExposeState(exposeId: string, snapshot?: MetricsSnapshot): ExposeState {
  const confirmed = snapshot
    ? toConfirmed(snapshot)
    : { version: -1, metrics: emptyMetrics(), myVote: null, myVoteVersion: -1 };
  return { exposeId, confirmed, deferred: null, ops: [], error: null, createdComments: [], viewRequested: false };
}

/** Could `snap` already contain the effect of an op whose outcome we do not know yet? */
export function isAmbiguous(ops: readonly PendingOp[], snap: ConfirmedSnapshot): boolean {
  return ops.some(
    (op) =>
      isUncertain(op) &&
      (op.kind === 'share' || op.kind === 'comment' || (op.kind === 'vote' && snap.myVoteVersion < snap.version)),
  );
}

/** Folds the deferred snapshot when nothing is ambiguous any more and drops acked ops it contains. */
function settle(s: ExposeState): ExposeState {
  let { confirmed, deferred } = s;
  if (deferred && !isAmbiguous(s.ops, deferred)) {
    confirmed = mergeSnapshot(confirmed, deferred);
    deferred = null;
  }
  const v = confirmed.version;
  const ops = s.ops.filter((op) => !(op.phase === 'acked' && (op.ackVersion ?? Infinity) <= v));
  if (confirmed === s.confirmed && deferred === s.deferred && ops.length === s.ops.length) return s;
  return { ...s, confirmed, deferred, ops };
}

function offer(s: ExposeState, snapshot: MetricsSnapshot): ExposeState {
  // Nothing confirmed yet (ops restored from the offline queue came before the page's snapshot):
  // the first snapshot is taken as it is, even if it may already contain one of them.
  if (s.confirmed.version < 0 && !s.deferred) return settle({ ...s, confirmed: toConfirmed(snapshot) });
  const base = s.deferred ?? s.confirmed;
  const merged = mergeSnapshot(base, toConfirmed(snapshot));
  return merged === base ? settle(s) : settle({ ...s, deferred: merged });
}

function mapOp(s: ExposeState, opId: string, f: (op: PendingOp) => PendingOp): ExposeState {
  let changed = false;
  const ops = s.ops.map((op) => {
    if (op.id !== opId) return op;
    const next = f(op);
    changed ||= next !== op;
    return next;
  });
  return changed ? { ...s, ops } : s;
}

function removeOp(s: ExposeState, opId: string): ExposeState {
  const ops = s.ops.filter((op) => op.id !== opId);
  return ops.length === s.ops.length ? s : settle({ ...s, ops });
}

export function reduceExpose(s: ExposeState, a: ExposeAction): ExposeState {
  switch (a.type) {
    case 'snapshot':
      return offer(s, a.snapshot);
    case 'op_added':
      if (a.op.kind === 'view' && s.viewRequested) return s;
      return { ...s, ops: [...s.ops, a.op], viewRequested: s.viewRequested || a.op.kind === 'view' };
    case 'op_retried':
      return { ...s, error: null, ops: [...s.ops, a.op] };
    case 'vote_merged':
      return mapOp(s, a.opId, (op) => (op.kind === 'vote' ? { ...op, phase: 'debouncing', payload: { target: a.target } } : op));
    case 'op_phase':
      return mapOp(s, a.opId, (op) => (op.phase === a.phase ? op : { ...op, phase: a.phase }));
    case 'op_attempt':
      return mapOp(s, a.opId, (op) => ({ ...op, phase: 'sending', sent: true, attempt: a.attempt }));
    case 'op_acked':
      return acked(s, a);
    case 'op_failed': {
      const op = s.ops.find((o) => o.id === a.opId);
      if (!op) return s;
      const error = isUserVisibleKind(op.kind) ? { op, code: a.code, message: a.message, at: a.at } : s.error;
      return removeOp({ ...s, error }, a.opId);
    }
    case 'op_dropped':
      return removeOp(s, a.opId);
    case 'comment_received': {
      const createdComments = withComment(s.createdComments, a.comment);
      return createdComments === s.createdComments ? s : { ...s, createdComments };
    }
    case 'error_cleared':
      return s.error ? { ...s, error: null } : s;
  }
}

function acked(s: ExposeState, a: Extract<ExposeAction, { type: 'op_acked' }>): ExposeState {
  const op = s.ops.find((o) => o.id === a.opId);
  if (!op) return offer(s, a.snapshot);
  const ops = s.ops.map((o) => (o.id === a.opId ? { ...o, phase: 'acked' as const, ackVersion: a.snapshot.version } : o));
  const createdComments = a.comment ? withComment(s.createdComments, a.comment) : s.createdComments;
  const error = s.error?.op.kind === op.kind ? null : s.error;
  // Marking acked, offering the reply and folding happen in this one transition, so the op's
  // effect is never shown on top of a reply that already contains it.
  return offer({ ...s, ops, createdComments, error }, a.snapshot);
}

/** The caller's vote as the server last told us (deferred replies included). */
export function serverVote(s: ExposeState): MyVote {
  return s.deferred ? mergeSnapshot(s.confirmed, s.deferred).myVote : s.confirmed.myVote;
}

/** Has the server told us the caller's vote on this expose (in any snapshot or reply so far)? */
export function knowsServerVote(s: ExposeState): boolean {
  return s.confirmed.myVoteVersion >= 0 || (s.deferred?.myVoteVersion ?? -1) >= 0;
}

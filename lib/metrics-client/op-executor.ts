import type { Comment, MyVote } from '@/lib/contracts/core';
import { readOpAck, requestForOp } from './endpoints';
import type { ExposeStore } from './expose-store';
import type { OpQueue, OpQueueHost, OpResult } from './op-queue';
import { createOp, type OpInput, type OpPhase, type PendingOp } from './operations';
import type { RequestFailure } from './policy';
import { knowsServerVote, serverVote } from './reducer';
import { runWithRetries, type RunnerDeps } from './request-runner';
import { waitUntilOnline } from './signals';

export type OpOutcome = { ok: true; comment?: Comment } | { ok: false; failure: RequestFailure };

export const DISPOSED: RequestFailure = { kind: 'aborted', code: 'aborted', message: 'The metrics engine was disposed.' };

export interface OpExecutorDeps {
  store: ExposeStore;
  runner: RunnerDeps;
  uuid: () => string;
  /** Null when this page holds a session cookie; else resolves once it does (before its first write). */
  session: (exposeId: string) => Promise<void> | null;
  /** A write is waiting for the network. */
  offline: (op: PendingOp) => void;
}

/**
 * Creates ops and resolves whoever waits for them. The person's writes (votes, shares, comments) go
 * through the shared offline queue (op-queue.ts), which calls back here to send them; views are
 * sent at once and not persisted (they are not the person's action, and a page view offline is
 * counted when the page is opened online anyway).
 */
export class OpExecutor {
  private readonly waiters = new Map<string, Array<(o: OpOutcome) => void>>();
  private queue: OpQueue | undefined;

  constructor(private readonly d: OpExecutorDeps) {}

  /** The queue is built after the executor (it calls back into it). */
  attach(queue: OpQueue): void {
    this.queue = queue;
  }

  get disposed(): boolean {
    return this.d.runner.lifetime.aborted;
  }

  newOp(exposeId: string, input: OpInput, phase: OpPhase): PendingOp {
    const { now, emit } = this.d.runner;
    const op = createOp(input, { id: this.d.uuid(), exposeId, now: now(), phase });
    this.d.store.dispatch(exposeId, { type: 'op_added', op });
    emit({ type: 'op_queued', at: now(), opId: op.id, exposeId, kind: op.kind });
    return op;
  }

  /** Adds the op: a view is sent at once, anything else joins the queue. */
  start(exposeId: string, input: OpInput): Promise<OpOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    if (input.kind === 'view') {
      const op = this.newOp(exposeId, input, 'sending');
      const result = this.outcome(op.id);
      void this.executeView(op);
      return result;
    }
    const op = this.newOp(exposeId, input, 'queued');
    const result = this.outcome(op.id);
    this.enqueue(op);
    return result;
  }

  /** Hands an op already in the store (a vote after its debounce) to the queue. */
  enqueue(op: PendingOp): void {
    if (!this.queue || this.disposed) return;
    if (!this.d.runner.signals.isOnline()) this.d.offline(op);
    this.queue.enqueue({ ...op, phase: 'queued' });
  }

  /** Puts a finally failed op back (same id, so the same Idempotency-Key) and queues it. */
  restart(failed: PendingOp): Promise<OpOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    const op: PendingOp = { ...failed, attempt: 0, phase: 'queued', createdAt: this.d.runner.now() };
    this.d.store.dispatch(op.exposeId, { type: 'op_retried', op });
    this.d.runner.emit({ type: 'op_queued', at: this.d.runner.now(), opId: op.id, exposeId: op.exposeId, kind: op.kind });
    const result = this.outcome(op.id);
    this.enqueue(op);
    return result;
  }

  outcome(opId: string): Promise<OpOutcome> {
    return new Promise((resolve) => {
      const list = this.waiters.get(opId) ?? [];
      list.push(resolve);
      this.waiters.set(opId, list);
    });
  }

  settle(opId: string, outcome: OpOutcome): void {
    const list = this.waiters.get(opId);
    this.waiters.delete(opId);
    list?.forEach((resolve) => resolve(outcome));
  }

  settleAll(outcome: OpOutcome): void {
    for (const opId of [...this.waiters.keys()]) this.settle(opId, outcome);
  }

  private shows(op: PendingOp): boolean {
    return this.d.store.get(op.exposeId)?.ops.some((o) => o.id === op.id) ?? false;
  }

  /** What the queue needs from this tab. */
  readonly queueHost: OpQueueHost = {
    send: (op) => this.send(op),
    waitOnline: () => waitUntilOnline(this.d.runner.signals, this.d.runner.lifetime),
    sending: (op) => {
      if (this.shows(op)) this.d.store.dispatch(op.exposeId, { type: 'op_phase', opId: op.id, phase: 'sending' });
    },
    adopt: (op) => {
      if (this.shows(op) || this.disposed) return;
      this.d.store.dispatch(op.exposeId, { type: 'op_added', op: { ...op, phase: 'queued' } });
    },
    settled: (op, result, here) => this.settled(op, result, here),
    knownServerVote: (exposeId): MyVote | undefined => {
      const s = this.d.store.get(exposeId);
      return s && knowsServerVote(s) ? serverVote(s) : undefined;
    },
    changed: () => {},
    now: () => this.d.runner.now(),
  };

  /** Sender tab: one op to its end (session first, then attempts, backoff, waiting offline). */
  private async send(op: PendingOp): Promise<OpResult> {
    const { store, runner } = this.d;
    const { exposeId, id: opId } = op;
    const session = this.d.session(exposeId);
    if (session) await session;
    if (this.disposed) return { ok: false, failure: DISPOSED };
    const res = await runWithRetries(requestForOp(op), (body) => readOpAck(op, body), runner, {
      opId,
      waitOutNetworkErrors: true,
      onOffline: () => this.d.offline(op),
      onAttempt: (attempt) => {
        if (this.shows(op)) store.dispatch(exposeId, { type: 'op_attempt', opId, attempt });
      },
      onWait: () => {
        if (this.shows(op)) store.dispatch(exposeId, { type: 'op_phase', opId, phase: 'waiting' });
      },
    });
    if (!res.ok) return res;
    const { snapshot, comment } = res.value;
    return comment ? { ok: true, snapshot, comment } : { ok: true, snapshot };
  }

  /** Applies how a queued op ended (here or in the sender tab) and resolves its waiters. */
  private settled(op: PendingOp, result: OpResult, here: boolean): void {
    if (this.disposed) return;
    const { store, runner } = this.d;
    const { exposeId, id: opId } = op;
    const shown = this.shows(op);
    if (!result.ok) {
      const { code, message } = result.failure;
      if (shown) store.dispatch(exposeId, { type: 'op_failed', opId, code, message, at: runner.now() });
      if (here) {
        if (result.failure.kind === 'expired') runner.emit({ type: 'dropped_expired', at: runner.now(), opId, exposeId, kind: op.kind });
        runner.emit({ type: 'failure', at: runner.now(), opId, exposeId, kind: op.kind, code, message });
      }
      this.settle(opId, { ok: false, failure: result.failure });
    } else if ('dropped' in result) {
      if (shown) store.dispatch(exposeId, { type: 'op_dropped', opId });
      if (here) runner.emit({ type: 'op_dropped', at: runner.now(), opId, exposeId, reason: result.dropped });
      this.settle(opId, { ok: true });
    } else {
      const { snapshot, comment } = result;
      if (shown) store.dispatch(exposeId, { type: 'op_acked', opId, snapshot, ...(comment && { comment }) });
      else if (store.has(exposeId)) store.dispatch(exposeId, { type: 'snapshot', snapshot });
      if (here) runner.emit({ type: 'ack', at: runner.now(), opId, exposeId, kind: op.kind, version: snapshot.version });
      this.settle(opId, comment ? { ok: true, comment } : { ok: true });
    }
  }

  /** A view: sent at once with the usual retries, never queued. */
  private async executeView(op: PendingOp): Promise<void> {
    const { store, runner } = this.d;
    const { exposeId, id: opId } = op;
    const session = this.d.session(exposeId);
    if (session) await session;
    const res = await runWithRetries(requestForOp(op), (body) => readOpAck(op, body), runner, {
      opId,
      onAttempt: (attempt) => store.dispatch(exposeId, { type: 'op_attempt', opId, attempt }),
      onWait: () => store.dispatch(exposeId, { type: 'op_phase', opId, phase: 'waiting' }),
    });
    if (this.disposed) return this.settle(opId, { ok: false, failure: DISPOSED });
    if (res.ok) {
      const { snapshot } = res.value;
      store.dispatch(exposeId, { type: 'op_acked', opId, snapshot });
      runner.emit({ type: 'ack', at: runner.now(), opId, exposeId, kind: op.kind, version: snapshot.version });
      this.settle(opId, { ok: true });
    } else {
      const { code, message } = res.failure;
      store.dispatch(exposeId, { type: 'op_failed', opId, code, message, at: runner.now() });
      runner.emit({ type: 'failure', at: runner.now(), opId, exposeId, kind: op.kind, code, message });
      this.settle(opId, { ok: false, failure: res.failure });
    }
  }
}

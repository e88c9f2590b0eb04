import type { Comment } from '@/lib/contracts/core';
import { readOpAck, requestForOp } from './endpoints';
import type { ExposeStore } from './expose-store';
import { createOp, type OpInput, type OpPhase, type PendingOp } from './operations';
import type { RequestFailure } from './policy';
import { runWithRetries, type RunnerDeps } from './request-runner';

export type OpOutcome = { ok: true; comment?: Comment } | { ok: false; failure: RequestFailure };

export const DISPOSED: RequestFailure = { kind: 'aborted', code: 'aborted', message: 'The metrics engine was disposed.' };

export interface OpExecutorDeps {
  store: ExposeStore;
  runner: RunnerDeps;
  uuid: () => string;
  /** Called after an op has settled (acked or finally failed). */
  afterSettled?: (op: PendingOp) => void;
}

/** Creates ops, runs them through the retrying transport and resolves whoever waits for them. */
export class OpExecutor {
  private readonly waiters = new Map<string, Array<(o: OpOutcome) => void>>();

  constructor(private readonly d: OpExecutorDeps) {}

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

  /** Adds the op and sends it right away. */
  start(exposeId: string, input: OpInput): Promise<OpOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    const op = this.newOp(exposeId, input, 'sending');
    const result = this.outcome(op.id);
    void this.execute(op);
    return result;
  }

  /** Puts a finally failed op back (same id, so the same Idempotency-Key) and sends it. */
  restart(failed: PendingOp): Promise<OpOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    const op: PendingOp = { ...failed, attempt: 0, phase: 'sending' };
    this.d.store.dispatch(op.exposeId, { type: 'op_retried', op });
    this.d.runner.emit({ type: 'op_queued', at: this.d.runner.now(), opId: op.id, exposeId: op.exposeId, kind: op.kind });
    const result = this.outcome(op.id);
    void this.execute(op);
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

  /** Runs one op to its end: attempts and backoff, then ack (reply applied) or failure (rollback). */
  async execute(op: PendingOp): Promise<void> {
    const { store, runner } = this.d;
    const { exposeId, id: opId } = op;
    const res = await runWithRetries(requestForOp(op), (body) => readOpAck(op, body), runner, {
      opId,
      onAttempt: (attempt) => store.dispatch(exposeId, { type: 'op_attempt', opId, attempt }),
      onWait: () => store.dispatch(exposeId, { type: 'op_phase', opId, phase: 'waiting' }),
    });
    if (this.disposed) return this.settle(opId, { ok: false, failure: DISPOSED });
    if (res.ok) {
      const { snapshot, comment } = res.value;
      store.dispatch(exposeId, { type: 'op_acked', opId, snapshot, ...(comment && { comment }) });
      runner.emit({ type: 'ack', at: runner.now(), opId, exposeId, kind: op.kind, version: snapshot.version });
      this.settle(opId, comment ? { ok: true, comment } : { ok: true });
    } else {
      const { code, message } = res.failure;
      store.dispatch(exposeId, { type: 'op_failed', opId, code, message, at: runner.now() });
      runner.emit({ type: 'failure', at: runner.now(), opId, exposeId, kind: op.kind, code, message });
      this.settle(opId, { ok: false, failure: res.failure });
    }
    this.d.afterSettled?.(op);
  }
}

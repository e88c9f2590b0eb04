import type { MyVote } from '@/lib/contracts/core';
import type { ExposeStore } from './expose-store';
import type { EngineEvent } from './events';
import { DISPOSED, type OpExecutor, type OpOutcome } from './op-executor';
import { isVoteInFlight } from './operations';
import { serverVote } from './reducer';
import type { TimerSet } from './timers';
import { nextVoteTarget, type VoteButton } from '@/lib/contracts/vote-transition';

export interface VoteSchedulerDeps {
  store: ExposeStore;
  ops: OpExecutor;
  timers: TimerSet;
  debounceMs: number;
  now: () => number;
  emit: (event: EngineEvent) => void;
}

/**
 * Votes are states, so rapid clicks collapse: every click within the debounce window rewrites the
 * one unsent vote op of that expose, and only its final target is sent. Votes of one expose are
 * sent one at a time, so the server applies them in click order (last write wins).
 */
export class VoteScheduler {
  private readonly debounce = new Map<string, number>();

  constructor(private readonly d: VoteSchedulerDeps) {}

  click(exposeId: string, button: VoteButton): Promise<OpOutcome> {
    this.d.store.ensure(exposeId);
    const shown = this.d.store.getView(exposeId)?.myVote ?? null;
    return this.setTarget(exposeId, nextVoteTarget(shown, button));
  }

  setTarget(exposeId: string, target: MyVote): Promise<OpOutcome> {
    const { store, ops, timers } = this.d;
    if (ops.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    const open = store.ensure(exposeId).ops.find((op) => op.kind === 'vote' && (op.phase === 'debouncing' || op.phase === 'queued'));
    let opId: string;
    if (open) {
      opId = open.id;
      store.dispatch(exposeId, { type: 'vote_merged', opId, target });
      this.d.emit({ type: 'op_merged', at: this.d.now(), opId, exposeId, target });
    } else {
      opId = ops.newOp(exposeId, { kind: 'vote', payload: { target } }, 'debouncing').id;
    }
    timers.clear(this.debounce.get(exposeId));
    this.debounce.set(
      exposeId,
      timers.set(() => {
        this.debounce.delete(exposeId);
        store.dispatch(exposeId, { type: 'op_phase', opId, phase: 'queued' });
        this.pump(exposeId);
      }, this.d.debounceMs),
    );
    return ops.outcome(opId);
  }

  /** Sends the next queued vote once no earlier vote of that expose is in flight. */
  pump(exposeId: string): void {
    const { store, ops } = this.d;
    const state = store.get(exposeId);
    if (!state || ops.disposed || state.ops.some(isVoteInFlight)) return;
    const next = state.ops.find((op) => op.kind === 'vote' && op.phase === 'queued');
    if (!next || next.kind !== 'vote') return;
    if (next.payload.target === serverVote(state)) {
      // The clicks cancelled out: nothing to tell the server.
      store.dispatch(exposeId, { type: 'op_dropped', opId: next.id });
      this.d.emit({ type: 'op_dropped', at: this.d.now(), opId: next.id, exposeId, reason: 'no_change' });
      ops.settle(next.id, { ok: true });
      return;
    }
    void ops.execute(next);
  }
}

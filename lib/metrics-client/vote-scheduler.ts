import type { MyVote } from '@/lib/contracts/core';
import { nextVoteTarget, type VoteButton } from '@/lib/contracts/vote-transition';
import type { ExposeStore } from './expose-store';
import type { EngineEvent } from './events';
import { DISPOSED, type OpExecutor, type OpOutcome } from './op-executor';
import type { TimerSet } from './timers';

export interface VoteSchedulerDeps {
  store: ExposeStore;
  ops: OpExecutor;
  timers: TimerSet;
  /** Read at each click: an experiment's variant may change it after the engine started. */
  debounceMs: () => number;
  now: () => number;
  emit: (event: EngineEvent) => void;
  /**
   * While the caller's vote on the expose is being looked up (a page shared by every visitor comes
   * without it), a promise that settles when the lookup ended; otherwise null.
   */
  voteLookup: (exposeId: string) => Promise<void> | null;
}

/**
 * Votes are states, so rapid clicks collapse: every click within the debounce window rewrites the
 * one unsent vote op of that expose, and only its final target is queued. The queue sends the votes
 * in order and, of several queued votes of one expose, only the last (op-queue.ts).
 * A click made before the caller's vote is known waits for it, so that it toggles the real vote.
 */
export class VoteScheduler {
  /** Per expose: the debounce timer of its unsent vote and what it does when it fires. */
  private readonly debounce = new Map<string, { timer: number; fire: () => void }>();
  /** Clicks made while the vote was being looked up, replayed in order once it is known. */
  private readonly waiting = new Map<string, Promise<OpOutcome>>();

  constructor(private readonly d: VoteSchedulerDeps) {}

  click(exposeId: string, button: VoteButton): Promise<OpOutcome> {
    this.d.store.ensure(exposeId);
    const before = this.waiting.get(exposeId);
    const lookup = this.d.voteLookup(exposeId);
    if (!before && !lookup) return this.clickNow(exposeId, button);
    const run = (before ?? lookup ?? Promise.resolve()).then(() => this.clickNow(exposeId, button));
    this.waiting.set(exposeId, run);
    void run.finally(() => {
      if (this.waiting.get(exposeId) === run) this.waiting.delete(exposeId);
    });
    return run;
  }

  private clickNow(exposeId: string, button: VoteButton): Promise<OpOutcome> {
    const shown = this.d.store.getView(exposeId)?.myVote ?? null;
    return this.setTarget(exposeId, nextVoteTarget(shown, button));
  }

  setTarget(exposeId: string, target: MyVote): Promise<OpOutcome> {
    const { store, ops, timers } = this.d;
    if (ops.disposed) return Promise.resolve({ ok: false, failure: DISPOSED });
    const open = store.ensure(exposeId).ops.find((op) => op.kind === 'vote' && op.phase === 'debouncing');
    let opId: string;
    if (open) {
      opId = open.id;
      store.dispatch(exposeId, { type: 'vote_merged', opId, target });
      this.d.emit({ type: 'op_merged', at: this.d.now(), opId, exposeId, target });
    } else {
      opId = ops.newOp(exposeId, { kind: 'vote', payload: { target } }, 'debouncing').id;
    }
    timers.clear(this.debounce.get(exposeId)?.timer);
    const fire = () => {
      this.debounce.delete(exposeId);
      store.dispatch(exposeId, { type: 'op_phase', opId, phase: 'queued' });
      const op = store.get(exposeId)?.ops.find((o) => o.id === opId);
      if (op) ops.enqueue(op);
    };
    this.debounce.set(exposeId, { timer: timers.set(fire, this.d.debounceMs()), fire });
    return ops.outcome(opId);
  }

  /**
   * Ends every debounce now: each unsent vote joins the persisted queue at once. For a page being
   * hidden or closed, where a vote still waiting out its quiet time would otherwise die with the page.
   */
  flush(): void {
    for (const { timer, fire } of [...this.debounce.values()]) {
      this.d.timers.clear(timer);
      fire();
    }
  }
}

import type { MetricsSnapshot } from '@/lib/contracts/core';
import { initialExposeState, reduceExpose, type ExposeAction, type ExposeState } from './reducer';
import { deriveView, type ExposeView } from './view';

/**
 * Holds one immutable ExposeState per expose and notifies only that expose's listeners, so a change
 * to one card never re-renders another. Views are cached per state object (stable references).
 */
export class ExposeStore {
  private readonly states = new Map<string, ExposeState>();
  private readonly views = new WeakMap<ExposeState, ExposeView>();
  private readonly listeners = new Map<string, Set<() => void>>();

  get(exposeId: string): ExposeState | undefined {
    return this.states.get(exposeId);
  }

  has(exposeId: string): boolean {
    return this.states.has(exposeId);
  }

  /** Creates the expose's state if needed (from `snapshot`, else "nothing confirmed yet"). */
  ensure(exposeId: string, snapshot?: MetricsSnapshot): ExposeState {
    const existing = this.states.get(exposeId);
    if (existing) return existing;
    const created = initialExposeState(exposeId, snapshot);
    this.states.set(exposeId, created);
    this.notify(exposeId);
    return created;
  }

  dispatch(exposeId: string, action: ExposeAction): ExposeState {
    const before = this.ensure(exposeId);
    const after = reduceExpose(before, action);
    if (after !== before) {
      this.states.set(exposeId, after);
      this.notify(exposeId);
    }
    return after;
  }

  getView(exposeId: string): ExposeView | undefined {
    const state = this.states.get(exposeId);
    if (!state) return undefined;
    let view = this.views.get(state);
    if (!view) {
      view = deriveView(state);
      this.views.set(state, view);
    }
    return view;
  }

  subscribe(exposeId: string, listener: () => void): () => void {
    let set = this.listeners.get(exposeId);
    if (!set) this.listeners.set(exposeId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(exposeId) === set) this.listeners.delete(exposeId);
    };
  }

  all(): IterableIterator<ExposeState> {
    return this.states.values();
  }

  clearListeners(): void {
    this.listeners.clear();
  }

  private notify(exposeId: string): void {
    const set = this.listeners.get(exposeId);
    if (set) for (const l of [...set]) l();
  }
}

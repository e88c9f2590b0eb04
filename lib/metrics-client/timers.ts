/** The timer seam; tests pass fakes, the browser passes window.setTimeout/clearTimeout. */
export interface TimerSeams {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Looked up at call time so that fake timers installed after construction still apply.
export const globalTimers: TimerSeams = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Tracks every timer it starts so that dispose() can cancel all of them. */
export class TimerSet {
  private readonly live = new Map<number, unknown>();
  private next = 1;

  constructor(private readonly seams: TimerSeams) {}

  set(fn: () => void, ms: number): number {
    const id = this.next++;
    const handle = this.seams.setTimeout(() => {
      this.live.delete(id);
      fn();
    }, ms);
    this.live.set(id, handle);
    return id;
  }

  clear(id: number | undefined): void {
    if (id === undefined) return;
    const handle = this.live.get(id);
    if (handle === undefined) return;
    this.live.delete(id);
    this.seams.clearTimeout(handle);
  }

  clearAll(): void {
    for (const handle of this.live.values()) this.seams.clearTimeout(handle);
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }

  /** Resolves true after `ms`, or false as soon as `signal` aborts (the timer is then cancelled). */
  sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.clear(id);
        resolve(false);
      };
      const id = this.set(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

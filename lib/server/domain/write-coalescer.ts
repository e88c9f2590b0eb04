/**
 * Group commit for hot rows. Requests for one key (an expose) that arrive while a batch for that
 * key is being written wait, and go together in the next batch: one transaction, one counter
 * UPDATE, one version bump. Under light load a request goes at once (after `windowMs`, 0 = the
 * next turn of the event loop); under heavy load batches grow by themselves, so the hot row's lock
 * is taken once per batch instead of once per request.
 *
 * Every submit resolves only after its batch's `run` resolved (i.e. committed); if `run` throws,
 * every request of that batch is rejected with the same error and nothing of it was applied
 * (`run` is one transaction), so clients retry safely.
 */
export interface CoalescerOptions {
  /** How long the first request of an idle key waits for company; 0 = next event-loop turn. */
  windowMs: number;
  /** At most this many requests in one batch. */
  maxBatch: number;
}

export interface Coalescer<Op, R> {
  submit(key: string, op: Op): Promise<R>;
  /** Requests accepted and not yet answered (a gauge for operators and tests). */
  pendingCount(): number;
}

interface Entry<Op, R> {
  op: Op;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface KeyState<Op, R> {
  queue: Entry<Op, R>[];
  inFlight: boolean;
  scheduled: boolean;
}

export function createCoalescer<Op, R>(
  run: (key: string, ops: Op[]) => Promise<R[]>,
  opts: CoalescerOptions,
): Coalescer<Op, R> {
  const keys = new Map<string, KeyState<Op, R>>();
  let pending = 0;

  const schedule = (key: string, state: KeyState<Op, R>) => {
    state.scheduled = true;
    const go = () => {
      state.scheduled = false;
      void flush(key, state);
    };
    if (opts.windowMs > 0) setTimeout(go, opts.windowMs);
    else setImmediate(go);
  };

  async function flush(key: string, state: KeyState<Op, R>): Promise<void> {
    if (state.inFlight || state.queue.length === 0) return;
    const batch = state.queue.splice(0, opts.maxBatch);
    state.inFlight = true;
    try {
      const results = await run(
        key,
        batch.map((e) => e.op),
      );
      batch.forEach((e, i) => e.resolve(results[i] as R));
    } catch (err) {
      for (const e of batch) e.reject(err);
    } finally {
      pending -= batch.length;
      state.inFlight = false;
      // Whatever queued up during the write goes next, without another wait.
      if (state.queue.length > 0) void flush(key, state);
      else if (!state.scheduled) keys.delete(key);
    }
  }

  return {
    submit(key, op) {
      return new Promise<R>((resolve, reject) => {
        let state = keys.get(key);
        if (!state) {
          state = { queue: [], inFlight: false, scheduled: false };
          keys.set(key, state);
        }
        state.queue.push({ op, resolve, reject });
        pending++;
        if (state.inFlight || state.scheduled) return;
        if (state.queue.length >= opts.maxBatch) void flush(key, state);
        else schedule(key, state);
      });
    },
    pendingCount: () => pending,
  };
}

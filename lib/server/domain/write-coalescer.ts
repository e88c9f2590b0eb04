import { overloaded } from './errors';

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
 *
 * Load shedding: when the database is slow, writes must not pile up without bound. At most
 * `maxPending` writes are accepted (queued or in a batch); more are refused at once. A queued write
 * whose batch has not started `deadlineMs` after it arrived is taken out of the queue and refused,
 * so it can never be committed after its client was told 503. A write whose batch has started waits
 * for that batch: only a commit answers it (acknowledged = committed).
 */
export interface CoalescerOptions {
  /** How long the first request of an idle key waits for company; 0 = next event-loop turn. */
  windowMs: number;
  /** At most this many requests in one batch. */
  maxBatch: number;
  /** At most this many requests accepted and not yet answered, over all keys. */
  maxPending: number;
  /** A request still queued (its batch not started) this long after it arrived is refused. */
  deadlineMs: number;
}

export interface Coalescer<Op, R> {
  submit(key: string, op: Op): Promise<R>;
  /** Requests accepted and not yet answered (a gauge for operators and tests). */
  pendingCount(): number;
}

interface Entry<Op, R> {
  op: Op;
  /** Date.now() after which the entry may no longer start a batch. */
  deadline: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface KeyState<Op, R> {
  queue: Entry<Op, R>[];
  inFlight: boolean;
  scheduled: boolean;
  /** Fires at the deadline of the oldest queued entry. */
  expiry?: ReturnType<typeof setTimeout>;
}

export function createWriteCoalescer<Op, R>(
  run: (key: string, ops: Op[]) => Promise<R[]>,
  opts: CoalescerOptions,
): Coalescer<Op, R> {
  const keys = new Map<string, KeyState<Op, R>>();
  let pending = 0;

  const forgetIfIdle = (key: string, state: KeyState<Op, R>) => {
    if (state.queue.length === 0 && !state.inFlight && !state.scheduled && !state.expiry) keys.delete(key);
  };

  const schedule = (key: string, state: KeyState<Op, R>) => {
    state.scheduled = true;
    const go = () => {
      state.scheduled = false;
      void flush(key, state);
    };
    if (opts.windowMs > 0) setTimeout(go, opts.windowMs);
    else setImmediate(go);
  };

  // Entries share one deadline length and queue in arrival order, so the expired ones are always
  // at the front: one timer per key, armed for the oldest entry, is enough.
  const armExpiry = (key: string, state: KeyState<Op, R>) => {
    const head = state.queue[0];
    if (state.expiry || !head) return;
    state.expiry = setTimeout(() => {
      state.expiry = undefined;
      const now = Date.now();
      let n = 0;
      while (n < state.queue.length && state.queue[n]!.deadline <= now) n++;
      const expired = state.queue.splice(0, n);
      pending -= expired.length;
      for (const e of expired) e.reject(overloaded());
      armExpiry(key, state);
      forgetIfIdle(key, state);
    }, Math.max(0, head.deadline - Date.now()));
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
      else if (state.expiry) {
        clearTimeout(state.expiry);
        state.expiry = undefined;
      }
      forgetIfIdle(key, state);
    }
  }

  return {
    submit(key, op) {
      return new Promise<R>((resolve, reject) => {
        if (pending >= opts.maxPending) {
          reject(overloaded());
          return;
        }
        let state = keys.get(key);
        if (!state) {
          state = { queue: [], inFlight: false, scheduled: false };
          keys.set(key, state);
        }
        state.queue.push({ op, deadline: Date.now() + opts.deadlineMs, resolve, reject });
        pending++;
        armExpiry(key, state);
        if (state.inFlight || state.scheduled) return;
        if (state.queue.length >= opts.maxBatch) void flush(key, state);
        else schedule(key, state);
      });
    },
    pendingCount: () => pending,
  };
}

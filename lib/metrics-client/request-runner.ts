import type { HttpRequest } from './endpoints';
import type { EngineEvent } from './events';
import { retryDelayMs, type MetricsPolicy, type RequestFailure } from './policy';
import { waitUntilOnline, type EnvironmentSignals } from './signals';
import { sendOnce, type SendDeps } from './transport';
import type { ChallengeSolver } from './challenge';

export interface RunnerDeps extends SendDeps {
  policy: MetricsPolicy;
  signals: EnvironmentSignals;
  emit: (event: EngineEvent) => void;
  /** Solves a 428's proof of work; without one a 428 is final. */
  solveChallenge?: ChallengeSolver;
  /** Told when a request failed as a network error (the engine then counts as offline). */
  onNetworkFailure?: () => void;
}

export interface RunHooks {
  opId?: string;
  /** Called just before attempt n (1-based) leaves. */
  onAttempt?(attempt: number): void;
  /** Called when the request starts waiting (backoff or offline). */
  onWait?(): void;
  /**
   * Writes of the person (the offline queue): a network error is being offline, not a failure. It
   * spends no retry; the request waits (offlineRetryDelaysMs, or the `online` event) and goes again.
   */
  waitOutNetworkErrors?: boolean;
  /** Called each time the request starts waiting for the network. */
  onOffline?(): void;
}

export type RunResult<T> = { ok: true; value: T } | { ok: false; failure: RequestFailure };

/** A 428 the runner cannot answer: no solver, the solver gave up, or a second one after a solution. */
const unsolved = (f: RequestFailure, req: HttpRequest): RequestFailure => ({
  kind: 'http',
  status: f.status,
  code: f.code,
  message:
    req.challengeSolution === undefined
      ? 'The server asked for a proof of work that this browser could not compute; nothing was changed.'
      : 'The server asked for a proof of work again after it was solved; nothing was changed.',
});

const disposed: RunResult<never> = {
  ok: false,
  failure: { kind: 'aborted', code: 'aborted', message: 'The metrics engine was disposed.' },
};

/**
 * Sends `req` until it succeeds or the policy says stop. While offline it waits for the online
 * signal without spending a retry. `read` turns a 2xx body into a value (null = malformed).
 * A 428 `challenge_required` is solved and the request sent once more with the solution, without
 * spending a retry; the solution then rides on every later attempt (a retry of a write that did
 * commit changes nothing and does not use it again). A second 428 ends the request.
 */
export async function runWithRetries<T>(
  firstReq: HttpRequest,
  read: (body: unknown) => T | null,
  deps: RunnerDeps,
  hooks: RunHooks = {},
): Promise<RunResult<T>> {
  const opId = hooks.opId;
  let req = firstReq;
  let offlineWaits = 0;
  for (let retry = 0; ; retry++) {
    if (!deps.signals.isOnline()) {
      hooks.onWait?.();
      hooks.onOffline?.();
      deps.emit({ type: 'waiting_online', at: deps.now(), path: req.path, ...(opId && { opId }) });
      if (!(await waitUntilOnline(deps.signals, deps.lifetime))) return disposed;
    }
    const attempt = retry + 1;
    hooks.onAttempt?.(attempt);
    deps.emit({ type: 'request_sent', at: deps.now(), method: req.method, path: req.path, attempt, ...(opId && { opId }) });
    const res = await sendOnce(req, deps);
    let failure: RequestFailure;
    if (res.ok) {
      const value = read(res.body);
      if (value !== null) return { ok: true, value };
      failure = { kind: 'invalid_response', code: 'invalid_response', message: 'The server reply had an unexpected shape.' };
    } else {
      failure = res.failure;
    }
    if (failure.challenge) {
      if (req.challengeSolution !== undefined || !deps.solveChallenge) return { ok: false, failure: unsolved(failure, req) };
      const started = deps.now();
      const solution = await deps.solveChallenge(failure.challenge, deps.lifetime);
      if (deps.lifetime.aborted) return disposed;
      deps.emit({ type: 'challenge_solved', at: deps.now(), path: req.path, ms: deps.now() - started, ok: solution !== null, ...(opId && { opId }) });
      if (solution === null) return { ok: false, failure: unsolved(failure, req) };
      req = { ...req, challengeSolution: solution };
      retry--;
      continue;
    }
    if (failure.kind === 'network') deps.onNetworkFailure?.();
    if (failure.kind === 'network' && hooks.waitOutNetworkErrors) {
      const steps = deps.policy.offlineRetryDelaysMs;
      const delayMs = steps[Math.min(offlineWaits++, steps.length - 1)] ?? 30_000;
      deps.emit({ type: 'retry_scheduled', at: deps.now(), path: req.path, attempt, delayMs, code: failure.code, ...(opId && { opId }) });
      hooks.onWait?.();
      hooks.onOffline?.();
      if (!(await sleepUntilOnline(delayMs, deps))) return disposed;
      retry--;
      continue;
    }
    const delayMs = retryDelayMs(deps.policy, failure, retry);
    if (delayMs === null) return { ok: false, failure };
    deps.emit({ type: 'retry_scheduled', at: deps.now(), path: req.path, attempt, delayMs, code: failure.code, ...(opId && { opId }) });
    hooks.onWait?.();
    if (!(await deps.timers.sleep(delayMs, deps.lifetime))) return disposed;
  }
}

/** Sleeps `ms`, or less when the browser reports coming back online. False when disposed. */
async function sleepUntilOnline(ms: number, deps: RunnerDeps): Promise<boolean> {
  const wake = new AbortController();
  const onDispose = () => wake.abort();
  deps.lifetime.addEventListener('abort', onDispose, { once: true });
  let wasOnline = deps.signals.isOnline();
  const unsubscribe = deps.signals.subscribe(() => {
    const online = deps.signals.isOnline();
    if (online && !wasOnline) wake.abort();
    wasOnline = online;
  });
  try {
    await deps.timers.sleep(ms, wake.signal);
  } finally {
    unsubscribe();
    deps.lifetime.removeEventListener('abort', onDispose);
  }
  return !deps.lifetime.aborted;
}

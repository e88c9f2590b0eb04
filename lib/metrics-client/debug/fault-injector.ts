import { globalTimers, type TimerSeams } from '../timers';
import type { FetchLike, TransportInterceptor } from '../transport';

/** What an injected fault does to one request. */
export type Fault =
  /** fetch rejects, as when the connection drops. */
  | { type: 'network' }
  /** The server answers with this status and error body (and Retry-After, if given). */
  | { type: 'status'; status: number; code?: string; retryAfterSeconds?: number }
  /** No answer at all until the request is aborted (exercises the timeout). */
  | { type: 'hang' };

export interface FaultRule {
  fault: Fault;
  /** Requests still to be hit by this rule. */
  remaining: number;
  /** Only requests whose URL contains this string; all when absent. */
  match?: string;
}

export interface FaultInjectorState {
  latencyMs: number;
  offline: boolean;
  rules: readonly FaultRule[];
}

export interface FaultInjector {
  /** Pass as the engine's `transportInterceptor`. */
  readonly interceptor: TransportInterceptor;
  failNext(count: number, fault?: Fault, match?: string): void;
  setLatency(ms: number): void;
  /** Every request fails like a network error while set (the engine's online signal is separate). */
  setOffline(offline: boolean): void;
  reset(): void;
  getState(): FaultInjectorState;
  subscribe(listener: (state: FaultInjectorState) => void): () => void;
}

const networkError = () => new TypeError('Failed to fetch (injected)');

function faultResponse(f: Extract<Fault, { type: 'status' }>): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
  const code = f.code ?? (f.status === 429 ? 'rate_limited' : f.status >= 500 ? 'unavailable' : 'invalid_input');
  const body = JSON.stringify({ error: { code, message: `Injected fault (${f.status}).` } });
  return new Response(body, { status: f.status, headers });
}

/** Resolves after `ms`, rejects with an AbortError-like error if `signal` aborts first. */
function delay(ms: number, signal: AbortSignal | null | undefined, timers: TimerSeams): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(networkError());
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(networkError());
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const hang = (signal: AbortSignal | null | undefined) =>
  new Promise<never>((_, reject) => {
    if (signal?.aborted) return reject(networkError());
    signal?.addEventListener('abort', () => reject(networkError()), { once: true });
  });

/** Deterministic fault injection for a test page or tests; no React, no globals. */
export function createFaultInjector(deps: { timers?: TimerSeams } = {}): FaultInjector {
  const timers = deps.timers ?? globalTimers;
  let state: FaultInjectorState = { latencyMs: 0, offline: false, rules: [] };
  const listeners = new Set<(s: FaultInjectorState) => void>();
  const update = (next: FaultInjectorState) => {
    state = next;
    listeners.forEach((l) => l(state));
  };

  /** Takes one use of the first rule matching `url`, if any. */
  const takeFault = (url: string): Fault | null => {
    const i = state.rules.findIndex((r) => r.remaining > 0 && (r.match === undefined || url.includes(r.match)));
    const rule = state.rules[i];
    if (!rule) return null;
    const rules = state.rules
      .map((r, j) => (j === i ? { ...r, remaining: r.remaining - 1 } : r))
      .filter((r) => r.remaining > 0);
    update({ ...state, rules });
    return rule.fault;
  };

  const interceptor: TransportInterceptor = async (url: string, init: RequestInit, next: FetchLike) => {
    if (state.offline) throw networkError();
    if (state.latencyMs > 0) await delay(state.latencyMs, init.signal, timers);
    const fault = takeFault(url);
    if (!fault) return next(url, init);
    if (fault.type === 'network') throw networkError();
    if (fault.type === 'hang') return hang(init.signal);
    return faultResponse(fault);
  };

  return {
    interceptor,
    failNext: (count, fault = { type: 'network' }, match) =>
      update({ ...state, rules: [...state.rules, { fault, remaining: count, ...(match !== undefined && { match }) }] }),
    setLatency: (ms) => update({ ...state, latencyMs: Math.max(0, ms) }),
    setOffline: (offline) => update({ ...state, offline }),
    reset: () => update({ latencyMs: 0, offline: false, rules: [] }),
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

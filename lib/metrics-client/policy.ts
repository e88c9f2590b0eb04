import type { AltchaChallenge } from './challenge';

/**
 * Every timing and limit of the metrics client, and the one rule deciding what is retried.
 * API.md: clients retry only network errors, timeouts, 409 `idempotency_key_in_use`, 429 and 5xx,
 * always with the same Idempotency-Key; any other 4xx is final. A 428 `challenge_required` is not a
 * retry: the runner solves its challenge and sends the request once more (request-runner.ts).
 */
export interface MetricsPolicy {
  /** A request (headers and body) that takes longer than this is aborted and counts as a timeout. */
  requestTimeoutMs: number;
  /** Delay before retry n (index 0 = first retry); its length is the maximum number of retries. */
  retryDelaysMs: readonly number[];
  /** A Retry-After longer than this is not waited for: the operation fails instead. */
  maxRetryAfterMs: number;
  /** Quiet time after the last vote click before the final target state is sent. */
  voteDebounceMs: number;
  /** Period of the batched metrics refresh (only while nothing is pending and the tab is visible). */
  refreshIntervalMs: number;
  /** API.md: GET /api/expose/metrics takes at most this many ids per call. */
  maxIdsPerRefresh: number;
  /** Quiet time after the page's set of exposes changed before the live stream re-subscribes. */
  liveResubscribeDebounceMs: number;
  /** Wait before reconnect n of the live stream (0 = after the first failure); the last step is the cap. */
  liveReconnectDelaysMs: readonly number[];
  /** Each reconnect wait is shortened by a random share of up to this much (0.5: between 50 % and 100 %). */
  liveReconnectJitter: number;
  /** API.md: GET /api/expose/stream takes at most this many ids; more exposes open more streams. */
  maxIdsPerStream: number;
  /** A tab hidden this long gives its stream back (and reopens it when shown again). */
  liveHiddenCloseMs: number;
  /**
   * A write that fails as a network error is not rolled back: it waits for the connection and is
   * tried again after these delays (the last step repeats), or at once on the `online` event.
   */
  offlineRetryDelaysMs: readonly number[];
  /** A queued write older than this is dropped with a notice: the server forgets keys after 24 h. */
  queueMaxAgeMs: number;
}

export const DEFAULT_POLICY: MetricsPolicy = Object.freeze({
  requestTimeoutMs: 15_000,
  retryDelaysMs: Object.freeze([1_000, 2_000, 4_000]),
  maxRetryAfterMs: 60_000,
  voteDebounceMs: 300,
  refreshIntervalMs: 30_000,
  maxIdsPerRefresh: 100,
  liveResubscribeDebounceMs: 200,
  liveReconnectDelaysMs: Object.freeze([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]),
  liveReconnectJitter: 0.5,
  maxIdsPerStream: 100,
  // Browsers allow about 6 HTTP/1.1 connections per host across all tabs, and the server 20 streams
  // per client: background tabs must not hold them for long.
  liveHiddenCloseMs: 60_000,
  offlineRetryDelaysMs: Object.freeze([1_000, 2_000, 4_000, 8_000, 15_000, 30_000]),
  queueMaxAgeMs: 24 * 3_600_000,
});

export type FailureKind = 'network' | 'timeout' | 'http' | 'invalid_response' | 'aborted' | 'expired';

/** Why one attempt failed, in a serialisable shape. */
export interface RequestFailure {
  kind: FailureKind;
  /** HTTP status, for kind 'http'. */
  status?: number;
  /** The error code from the body `{ error: { code } }`, or the kind for non-HTTP failures. */
  code: string;
  message: string;
  /** Parsed Retry-After header, in milliseconds. */
  retryAfterMs?: number;
  /** A 428's proof-of-work challenge (request-runner.ts solves it and sends the request once more). */
  challenge?: AltchaChallenge;
}

export function isRetryable(f: RequestFailure): boolean {
  switch (f.kind) {
    // A 2xx whose body we cannot read ('invalid_response') was probably committed; retrying with
    // the same key is safe.
    case 'network':
    case 'timeout':
    case 'invalid_response':
      return true;
    case 'aborted':
    case 'expired':
      return false;
    case 'http': {
      const status = f.status ?? 0;
      if (status === 409) return f.code === 'idempotency_key_in_use';
      return status === 429 || status >= 500;
    }
  }
}

/**
 * Milliseconds to wait before retry number `retryIndex` (0-based) after `failure`, or null when the
 * failure is final. A Retry-After header (429, 409, 503) replaces the backoff step.
 */
export function retryDelayMs(policy: MetricsPolicy, failure: RequestFailure, retryIndex: number): number | null {
  if (!isRetryable(failure)) return null;
  const backoff = policy.retryDelaysMs[retryIndex];
  if (backoff === undefined) return null;
  if (failure.retryAfterMs === undefined) return backoff;
  return failure.retryAfterMs > policy.maxRetryAfterMs ? null : failure.retryAfterMs;
}

/**
 * Milliseconds before the live stream reconnects after `failures` failed connections in a row
 * (0-based). Jittered downwards so that the clients a restarting server dropped together do not all
 * come back in the same instant. An EventSource never sees the status or Retry-After of a refused
 * stream (429/503), so this schedule is the only brake.
 */
export function liveReconnectDelayMs(policy: MetricsPolicy, failures: number, random: () => number): number {
  const steps = policy.liveReconnectDelaysMs;
  const step = steps[Math.min(Math.max(failures, 0), steps.length - 1)] ?? 0;
  return Math.round(step * (1 - policy.liveReconnectJitter * random()));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Every timing and limit of the metrics client, and the one rule deciding what is retried.
 * API.md: clients retry only network errors, timeouts, 409 `idempotency_key_in_use`, 429 and 5xx,
 * always with the same Idempotency-Key; any other 4xx is final.
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
}

export const DEFAULT_POLICY: MetricsPolicy = Object.freeze({
  requestTimeoutMs: 15_000,
  retryDelaysMs: Object.freeze([1_000, 2_000, 4_000]),
  maxRetryAfterMs: 60_000,
  voteDebounceMs: 300,
  refreshIntervalMs: 30_000,
  maxIdsPerRefresh: 100,
});

export type FailureKind = 'network' | 'timeout' | 'http' | 'invalid_response' | 'aborted';

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

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

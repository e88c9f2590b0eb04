import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, isRetryable, parseRetryAfter, retryDelayMs, type RequestFailure } from './policy';

const http = (status: number, code = 'x', retryAfterMs?: number): RequestFailure => ({
  kind: 'http',
  status,
  code,
  message: '',
  ...(retryAfterMs !== undefined && { retryAfterMs }),
});
const other = (kind: RequestFailure['kind']): RequestFailure => ({ kind, code: kind, message: '' });

describe('isRetryable', () => {
  it.each([
    ['network error', other('network'), true],
    ['timeout', other('timeout'), true],
    ['unreadable 2xx', other('invalid_response'), true],
    ['disposed', other('aborted'), false],
    ['409 idempotency_key_in_use', http(409, 'idempotency_key_in_use'), true],
    ['409 other code', http(409, 'conflict'), false],
    ['429', http(429, 'rate_limited'), true],
    ['500', http(500, 'internal'), true],
    ['503', http(503, 'unavailable'), true],
    ['400', http(400, 'invalid_input'), false],
    ['403', http(403, 'forbidden_origin'), false],
    ['404', http(404, 'not_found'), false],
    ['410', http(410, 'expired'), false],
    ['413', http(413, 'payload_too_large'), false],
    ['415', http(415, 'unsupported_media_type'), false],
    ['422', http(422, 'idempotency_key_reused'), false],
  ])('%s -> %s', (_, failure, expected) => {
    expect(isRetryable(failure)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('follows 1 s, 2 s, 4 s and then gives up', () => {
    const f = other('network');
    expect([0, 1, 2, 3].map((i) => retryDelayMs(DEFAULT_POLICY, f, i))).toEqual([1000, 2000, 4000, null]);
  });
  it('uses Retry-After instead of the backoff step', () => {
    expect(retryDelayMs(DEFAULT_POLICY, http(429, 'rate_limited', 7000), 0)).toBe(7000);
  });
  it('gives up when Retry-After is longer than the policy allows', () => {
    expect(retryDelayMs(DEFAULT_POLICY, http(429, 'rate_limited', 3_600_000), 0)).toBeNull();
  });
  it('never retries a final failure', () => {
    expect(retryDelayMs(DEFAULT_POLICY, http(400), 0)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5000],
    [' 0 ', 0],
    ['', undefined],
    ['soon', undefined],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 10_000],
  ])('%j -> %s', (value, expected) => {
    expect(parseRetryAfter(value, 0)).toBe(expected);
  });
  it('is undefined without a header', () => expect(parseRetryAfter(null, 0)).toBeUndefined());
});

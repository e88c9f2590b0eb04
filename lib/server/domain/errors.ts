import type { ErrorCode } from '@/lib/contracts/errors';

/** A rule said no. The HTTP layer maps `code` to a status (lib/server/http/errors.ts). */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The database could not be reached in time; thrown by the store adapter, answered 503. */
export class UnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super('unavailable', 'The database is unavailable; try again shortly.', 1);
    this.name = 'UnavailableError';
    if (cause !== undefined) this.cause = cause;
  }
}

export const notFound = (what = 'expose') => new DomainError('not_found', `No such ${what}.`);
export const invalidInput = (message: string) => new DomainError('invalid_input', message);
export const expired = () => new DomainError('expired', 'This expose has expired and takes no more changes.');
export const idempotencyKeyInUse = () =>
  new DomainError('idempotency_key_in_use', 'A request with this Idempotency-Key is still running; retry shortly.', 1);
export const idempotencyKeyReused = () =>
  new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
/** Load shedding: the write queue is full or a write waited past its deadline; nothing was applied. */
export const overloaded = () => new DomainError('unavailable', 'The server is busy; try again shortly.', 1);

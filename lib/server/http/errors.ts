import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '@/lib/contracts/errors';
import { ChallengeRequiredError } from '@/lib/server/domain/challenge';
import { DomainError } from '@/lib/server/domain/errors';

const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  forbidden_origin: 403,
  not_found: 404,
  idempotency_key_in_use: 409,
  expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  challenge_required: 428,
  challenge_failed: 403,
  internal: 500,
  unavailable: 503,
};

/** The HTTP status of an error code (the OpenAPI document lists them per route). */
export const statusOf = (code: ErrorCode): number => STATUS[code];

interface HttpError {
  status: number;
  /** A 428 carries the challenge next to the error (challenge.ts). */
  body: ErrorBody & { challenge?: unknown };
  retryAfter?: number;
}

const httpError = (code: ErrorCode, message: string, retryAfter?: number): HttpError => ({
  status: STATUS[code],
  body: { error: { code, message } },
  retryAfter,
});

/** Fastify's own parsing errors, by code, mapped onto API.md's closed set. */
const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The body must be at most 16 KiB.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The body is empty; send a JSON object.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_json', 'Content-Length does not match the body.'],
};

function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return 'The request is invalid.';
  const where = (err.validationContext ?? 'body').replace('querystring', 'query');
  const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const params = first.params as { issue?: { message?: string; code?: string; keys?: string[] } } | undefined;
  const issue = params?.issue;
  if (issue?.code === 'unrecognized_keys' && issue.keys?.length) {
    return `${where}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const message = issue?.message ?? first.message ?? 'is invalid';
  return field ? `${where}.${field}: ${message}` : `${where}: ${message}`;
}

/** One mapping from anything thrown to API.md's error body. Unknown errors never leak their text. */
export function toHttpError(err: unknown): HttpError | null {
  if (err instanceof ChallengeRequiredError) return { ...httpError(err.code, err.message), body: { error: { code: err.code, message: err.message }, challenge: err.challenge } };
  if (err instanceof DomainError) return httpError(err.code, err.message, err.retryAfterSeconds);
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe) || fe.validation) return httpError('invalid_input', describeValidation(fe));
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return httpError(mapped[0], mapped[1]);
  if (err instanceof SyntaxError && fe.statusCode === 400) return httpError('invalid_json', 'The body is not valid JSON.');
  return null;
}

export function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
  if (e.status === 401) reply.header('www-authenticate', 'Bearer realm="admin"');
  return reply.code(e.status).type('application/json; charset=utf-8').send(e.body);
}

/**
 * request.log carries the request id (`reqId`) on every line; the error's stack goes to the log,
 * never to the body.
 */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toHttpError(err);
  // A 403 is also a foreign Origin: ec_writes_total tells a failed proof of work by its code.
  if (mapped?.body.error.code === 'challenge_failed') request.writeOutcome = 'challenge_failed';
  if (mapped) {
    if (mapped.status >= 500) request.log.warn({ err, code: mapped.body.error.code }, 'request failed');
    return sendError(reply, mapped);
  }
  request.log.error({ err }, 'unhandled error');
  return sendError(reply, httpError('internal', `Something went wrong (request ${request.id}).`));
}

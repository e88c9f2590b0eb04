import { z } from 'zod';

/** The closed set of error codes of API.md, shared by server and client. */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_input',
  'unauthorized',
  'forbidden',
  'forbidden_origin',
  'not_found',
  'expired',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'rate_limited',
  'challenge_required',
  'challenge_failed',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/**
 * The 428 `challenge_required` body: the error plus an ALTCHA challenge (docs/API.md "Proof of
 * work"). The client solves it and repeats the request with X-Challenge-Solution.
 */
export const challengeSchema = z.object({
  algorithm: z.literal('SHA-256'),
  challenge: z.string(),
  maxnumber: z.number().int(),
  salt: z.string(),
  signature: z.string(),
});
export const challengeRequiredBodySchema = errorBodySchema.extend({ challenge: challengeSchema });
export type ErrorBody = z.infer<typeof errorBodySchema>;

import { z } from 'zod';

export { ERROR_CODES, type ErrorCode } from './core';

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

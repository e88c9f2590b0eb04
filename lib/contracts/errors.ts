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
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

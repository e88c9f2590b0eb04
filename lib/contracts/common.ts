import { z } from 'zod';

/** `exposeId`: 1-64 characters from [A-Za-z0-9_-] (API.md). */
export const exposeIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'exposeId must use only A-Z, a-z, 0-9, _ and -');

/** `Idempotency-Key`: 1-128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7E]+$/, 'Idempotency-Key must be 1-128 visible ASCII characters');

export type ExposeId = z.infer<typeof exposeIdSchema>;

export const healthSchema = z.object({ ok: z.literal(true) });

import { z } from 'zod';
import { EXPOSE_ID_PATTERN, LIMITS } from './core';
import { normalizeText, textLength } from './text';

/** `exposeId`: 1-64 characters from [A-Za-z0-9_-] (API.md). */
export const exposeIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.exposeIdMax)
  .regex(EXPOSE_ID_PATTERN, 'exposeId must use only A-Z, a-z, 0-9, _ and -');

/** `Idempotency-Key`: 1-128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(LIMITS.idempotencyKeyMax)
  .regex(/^[\x21-\x7E]+$/, 'Idempotency-Key must be 1-128 visible ASCII characters');

export type ExposeId = z.infer<typeof exposeIdSchema>;

/**
 * A user text field: normalised first (lib/contracts/text.ts), then 1..max code points. Empty after
 * normalising (only invisible characters) is a 400 like an empty string.
 */
export const normalizedText = (name: string, max: number) =>
  z
    .string()
    .transform(normalizeText)
    .pipe(
      z
        .string()
        .min(1, `${name} must not be empty`)
        .refine((s) => textLength(s) <= max, `${name} must be at most ${max} characters`),
    );

export const healthSchema = z.object({ ok: z.literal(true) });

import { z } from 'zod';

export { ERROR_CODES, type ErrorCode } from './core';

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

import { z } from 'zod';
import { exposeIdSchema, normalizedText } from './common';
import { FEED_SORTS, TOP_WINDOWS } from './feed-order';
import { LIMITS, type Expose, type ExposesPage } from './core';
import { metricsSchema } from './metrics';

export type { Expose, ExposesPage } from './core';

export const createExposeRequestSchema = z
  .object({
    title: normalizedText('title', LIMITS.titleMax),
    body: normalizedText('body', LIMITS.exposeBodyMax),
    ttlHours: z.number().int().min(LIMITS.ttlHoursMin).max(LIMITS.ttlHoursMax).optional(),
  })
  .strict();
export type CreateExposeRequest = z.infer<typeof createExposeRequestSchema>;

export const listExposesQuerySchema = z.object({
  cursor: z.string().max(LIMITS.cursorMax).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageLimitMax).default(LIMITS.pageLimitDefault),
  sort: z.enum(FEED_SORTS).default('new'),
  /** Only read with sort=top. */
  t: z.enum(TOP_WINDOWS).default('day'),
});

export const exposeParamsSchema = z.object({ id: exposeIdSchema });

export const exposeSchema = z.object({
  exposeId: exposeIdSchema,
  title: z.string(),
  body: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  expired: z.boolean(),
  version: z.number().int(),
  metrics: metricsSchema,
  myVote: z.enum(['upvote', 'downvote']).nullable().optional(),
});

export const exposesPageSchema = z.object({ exposes: z.array(exposeSchema), nextCursor: z.string().nullable() });

export const _matchesCore: [z.ZodType<Expose>, z.ZodType<ExposesPage>] = [exposeSchema, exposesPageSchema];

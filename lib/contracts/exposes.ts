import { z } from 'zod';
import { exposeIdSchema, normalizedText } from './common';
import { FEED_SORTS, TOP_WINDOWS } from './feed-order';
import { metricsSchema } from './metrics';

export const createExposeRequestSchema = z
  .object({
    title: normalizedText('title', 120),
    body: normalizedText('body', 5000),
    ttlHours: z.number().int().min(1).max(720).optional(),
  })
  .strict();
export type CreateExposeRequest = z.infer<typeof createExposeRequestSchema>;

export const listExposesQuerySchema = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
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
export type Expose = z.infer<typeof exposeSchema>;

export const exposesPageSchema = z.object({ exposes: z.array(exposeSchema), nextCursor: z.string().nullable() });
export type ExposesPage = z.infer<typeof exposesPageSchema>;

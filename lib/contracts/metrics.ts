import { z } from 'zod';
import { exposeIdSchema } from './common';

export const voteTypeSchema = z.enum(['upvote', 'downvote', 'none']);
export type VoteType = z.infer<typeof voteTypeSchema>;
/** The caller's vote as the server reports it. */
export type MyVote = 'upvote' | 'downvote' | null;

export const metricsSchema = z.object({
  views: z.number().int().nonnegative(),
  comments: z.number().int().nonnegative(),
  upvotes: z.number().int().nonnegative(),
  downvotes: z.number().int().nonnegative(),
  netVotes: z.number().int(),
  shares: z.number().int().nonnegative(),
});
export type Metrics = z.infer<typeof metricsSchema>;
export type MetricName = keyof Metrics;
export { METRIC_NAMES, emptyMetrics } from './metric-names';

/** The metrics object every metrics-changing or -reading response carries (API.md). */
export const metricsSnapshotSchema = z.object({
  exposeId: exposeIdSchema,
  version: z.number().int().nonnegative(),
  metrics: metricsSchema,
  myVote: z.enum(['upvote', 'downvote']).nullable().optional(),
});
export type MetricsSnapshot = z.infer<typeof metricsSnapshotSchema>;

export const shareChannelSchema = z.enum(['link', 'x', 'facebook', 'whatsapp', 'email', 'other']);
export type ShareChannel = z.infer<typeof shareChannelSchema>;

export const voteRequestSchema = z.object({ exposeId: exposeIdSchema, voteType: voteTypeSchema }).strict();
export const viewRequestSchema = z.object({ exposeId: exposeIdSchema }).strict();
export const shareRequestSchema = z
  .object({ exposeId: exposeIdSchema, channel: shareChannelSchema.default('link') })
  .strict();
export const metricsQuerySchema = z.object({
  ids: z
    .string()
    .describe('Comma-separated expose ids, 1-100')
    .transform((s) => s.split(',').filter((x) => x.length > 0))
    .pipe(z.array(exposeIdSchema).min(1).max(100)),
});

export const viewResponseSchema = metricsSnapshotSchema.extend({ counted: z.boolean() });
export const metricsBatchResponseSchema = z.object({ items: z.array(metricsSnapshotSchema) });

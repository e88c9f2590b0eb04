import { z } from 'zod';
import { exposeIdSchema } from './common';
import { LIMITS, SHARE_CHANNELS, VOTE_TYPES, type Metrics, type MetricsSnapshot, type ShareChannel } from './core';

// Server-only zod schemas; the types, names and limits live in the zod-free core.ts.
export type { Metrics, MetricName, MetricsSnapshot, MyVote, ShareChannel, VoteType } from './core';

export const voteTypeSchema = z.enum(VOTE_TYPES);

export const metricsSchema = z.object({
  views: z.number().int().nonnegative(),
  comments: z.number().int().nonnegative(),
  upvotes: z.number().int().nonnegative(),
  downvotes: z.number().int().nonnegative(),
  netVotes: z.number().int(),
  shares: z.number().int().nonnegative(),
});
export { METRIC_NAMES, emptyMetrics } from './metric-names';

/** The metrics object every metrics-changing or -reading response carries (API.md). */
export const metricsSnapshotSchema = z.object({
  exposeId: exposeIdSchema,
  version: z.number().int().nonnegative(),
  metrics: metricsSchema,
  myVote: z.enum(['upvote', 'downvote']).nullable().optional(),
});

export const shareChannelSchema = z.enum(SHARE_CHANNELS);

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
    .pipe(z.array(exposeIdSchema).min(1).max(LIMITS.idsPerMetricsCall)),
});

export const viewResponseSchema = metricsSnapshotSchema.extend({ counted: z.boolean() });
export const metricsBatchResponseSchema = z.object({ items: z.array(metricsSnapshotSchema) });

// The schemas produce exactly the core types (a mismatch fails typecheck).
export const _matchesCore: [z.ZodType<Metrics>, z.ZodType<MetricsSnapshot>, z.ZodType<ShareChannel>] = [
  metricsSchema,
  metricsSnapshotSchema,
  shareChannelSchema,
];

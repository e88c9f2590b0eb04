import { z } from 'zod';

/**
 * A/B experiments of the client's update strategy (docs/EXPERIMENTS.md). Server-only zod schemas:
 * the browser reads the plain types (ExperimentAssignment) and never loads zod.
 */

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lower-case letters, digits and dashes, at most 48');

/** The MetricsPolicy fields an experiment may override (lib/metrics-client/policy.ts), with sane bounds. */
export const policyOverridesSchema = z
  .object({
    voteDebounceMs: z.number().int().min(0).max(5_000),
    requestTimeoutMs: z.number().int().min(1_000).max(60_000),
    retryDelaysMs: z.array(z.number().int().min(0).max(30_000)).max(3),
    refreshIntervalMs: z.number().int().min(1_000).max(600_000),
  })
  .partial()
  .strict();
export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

export const EXPERIMENT_METRICS = ['engagement', 'rollback_ratio', 'retries_per_operation', 'ack_latency'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];

export const experimentDefinitionSchema = z
  .object({
    key: slug,
    description: z.string().min(1).max(500),
    /** The first variant is the control. */
    variants: z
      .array(z.object({ key: slug, weight: z.number().positive().max(1000), policy: policyOverridesSchema }).strict())
      .min(2)
      .max(8)
      .refine((vs) => new Set(vs.map((v) => v.key)).size === vs.length, 'variant keys must be unique'),
    /** Share of sessions in the experiment, 0..1; growing it never moves a session between variants. */
    traffic: z.number().min(0).max(1),
    /** Hash seed: defaults to the key. Change it only to reshuffle everyone for a new run. */
    seed: z.string().min(1).max(100).optional(),
    startAt: z.iso.datetime({ offset: true }).optional(),
    stopAt: z.iso.datetime({ offset: true }).optional(),
    primaryMetric: z.enum(EXPERIMENT_METRICS),
    /**
     * The planned sample size: either exposures per variant, or (for a rate) the control's expected rate
     * and the smallest relative change worth finding (alpha 0.05, power 0.8).
     */
    plan: z.union([
      z.object({ exposuresPerVariant: z.number().int().min(2).max(100_000_000) }).strict(),
      z.object({ baselineRate: z.number().gt(0).lt(1), minimumDetectableEffect: z.number().gt(0).lt(10) }).strict(),
    ]),
  })
  .strict();
export type ExperimentDefinition = z.infer<typeof experimentDefinitionSchema>;

export const experimentsFileSchema = z
  .object({ version: z.literal(1), experiments: z.array(experimentDefinitionSchema).max(20) })
  .strict()
  .refine((f) => new Set(f.experiments.map((e) => e.key)).size === f.experiments.length, 'experiment keys must be unique');
export type ExperimentsFile = z.infer<typeof experimentsFileSchema>;

export const EXPERIMENT_STATUSES = ['draft', 'running', 'paused', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** What the browser gets for its session: one entry per running experiment it is in. */
export const assignmentSchema = z.object({ experiment: z.string(), variant: z.string(), policy: policyOverridesSchema });
export type ExperimentAssignment = z.infer<typeof assignmentSchema>;
export const assignmentsResponseSchema = z.object({ assignments: z.array(assignmentSchema) });

export const exposureRequestSchema = z.object({ experiment: slug, variant: slug }).strict();
export const exposureResponseSchema = z.object({ recorded: z.boolean() });

export const experimentActionParamsSchema = z
  .object({ key: slug, action: z.enum(['start', 'pause', 'stop']) })
  .strict();

const interval = z.tuple([z.number(), z.number()]).nullable();
export const comparisonSchema = z.object({
  metric: z.string(),
  control: z.number(),
  treatment: z.number(),
  absoluteLift: z.number(),
  absoluteInterval: interval,
  relativeLift: z.number().nullable(),
  relativeInterval: interval,
  pValue: z.number().nullable(),
});

export const variantResultSchema = z.object({
  key: z.string(),
  weight: z.number(),
  exposures: z.number().int(),
  /** Acknowledged writes per exposed session, by kind and in all. */
  engagement: z.object({ votes: z.number(), shares: z.number(), comments: z.number(), views: z.number(), total: z.number() }),
  operations: z.number().int(),
  rollbackRatio: z.number().nullable(),
  retriesPerOperation: z.number().nullable(),
  ackLatencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  /** Against the control (absent on the control itself). */
  comparisons: z.array(comparisonSchema),
});

export const experimentSummarySchema = z.object({
  key: z.string(),
  description: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  /** Running now: status running and inside startAt/stopAt. */
  active: z.boolean(),
  traffic: z.number(),
  primaryMetric: z.enum(EXPERIMENT_METRICS),
  startedAt: z.string().nullable(),
  plannedExposuresPerVariant: z.number().int(),
  srm: z.object({ chiSquare: z.number(), pValue: z.number(), mismatch: z.boolean() }),
  /** True once every variant reached the planned sample size; until then results are not conclusive. */
  conclusive: z.boolean(),
  variants: z.array(variantResultSchema),
});
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>;
export const experimentsListSchema = z.object({ experiments: z.array(experimentSummarySchema) });

import { z } from 'zod';
import { auditDaySchema } from './audit';
import { exposeIdSchema } from './common';

const n = z.number();
const ratio = z.number().min(0).max(1).nullable();
const nullableMs = z.number().nullable();

/** One time series: `t` in Unix seconds (bucket starts), one array per event type, same length. */
export const engagementSeriesSchema = z
  .object({
    bucketSec: z.number().int(),
    t: z.array(n),
    views: z.array(n),
    upvotes: z.array(n),
    downvotes: z.array(n),
    shares: z.array(n),
    comments: z.array(n),
  })
  .strict();
export type EngagementSeries = z.infer<typeof engagementSeriesSchema>;

const topExposeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    /** Activity (views, votes, shares, comments) in the last 15 minutes. */
    recent: n,
    /** Activity in the hour before that. */
    prior: n,
    /** Per-minute rate of the last 15 minutes over that of the hour before (+1 smoothing on both). */
    lift: n,
  })
  .strict();

export const dashboardSnapshotSchema = z
  .object({
    generatedAt: z.string(),
    events: z.object({ hour: engagementSeriesSchema, day: engagementSeriesSchema, month: engagementSeriesSchema }).strict(),
    top: z.object({ now: z.array(topExposeSchema), trending: z.array(topExposeSchema) }).strict(),
    /** Server side, this process since it started: counter writes and API latency. */
    server: z
      .object({
        writes: n,
        failedWrites: n,
        writeSuccessRatio: ratio,
        apiRequests: n,
        apiP50Ms: nullableMs,
        apiP95Ms: nullableMs,
        apiP99Ms: nullableMs,
        openStreams: n,
        fanoutLagP95Ms: nullableMs,
        db: z.array(z.object({ query: z.string(), calls: n, p95Ms: nullableMs }).strict()),
      })
      .strict(),
    /** Browsers, last hour (client telemetry, all instances). */
    client: z
      .object({
        operations: n,
        acknowledged: n,
        rolledBack: n,
        retries: n,
        timeouts: n,
        exhausted: n,
        errors: n,
        successRatio: ratio,
        retriesPerOperation: z.number().nullable(),
        rollbackRatio: ratio,
        ackP50Ms: nullableMs,
        ackP95Ms: nullableMs,
        /** Per minute: operations, acknowledged, rolled back. */
        series: z.object({ t: z.array(n), operations: z.array(n), acknowledged: z.array(n), rolledBack: z.array(n) }).strict(),
      })
      .strict(),
    /** Web Vitals p75 reported to this process since it started (ms; CLS unitless). */
    vitals: z.object({ LCP: nullableMs, INP: nullableMs, CLS: nullableMs, TTFB: nullableMs, FCP: nullableMs }).strict(),
  })
  .strict();
export type DashboardSnapshot = z.infer<typeof dashboardSnapshotSchema>;

export const dashboardExposeQuerySchema = z.object({ exposeId: exposeIdSchema }).strict();

export const dashboardExposeSchema = z
  .object({
    exposeId: exposeIdSchema,
    title: z.string(),
    /** The last 24 h per 5 minutes, and the last 30 days per hour. */
    day: engagementSeriesSchema,
    month: engagementSeriesSchema,
    /** The count audit (GET /api/expose/audit). */
    audit: z.array(auditDaySchema),
    /** Dropped writes of the last 24 h by kind and reason. */
    dropped: z.array(z.object({ kind: z.string(), outcome: z.string(), n }).strict()),
  })
  .strict();
export type DashboardExpose = z.infer<typeof dashboardExposeSchema>;

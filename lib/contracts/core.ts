/**
 * The zod-free core of the contracts, shared by the browser and the server: the shapes of API.md,
 * metric names, input limits and error codes. The zod schemas (server only) are built from these
 * limits and checked against these types (metrics.ts, comments.ts, exposes.ts, common.ts, errors.ts).
 * ESLint keeps zod and those schema modules out of lib/metrics-client, lib/hooks, components and app:
 * zod's start-up probe `Function("")` is an eval the pages' CSP blocks, and it weighs ~60 kB.
 */
export { METRIC_NAMES, emptyMetrics } from './metric-names';

export interface Metrics {
  views: number;
  comments: number;
  upvotes: number;
  downvotes: number;
  netVotes: number;
  shares: number;
}
export type MetricName = keyof Metrics;

export const VOTE_TYPES = ['upvote', 'downvote', 'none'] as const;
/** The target state a vote request names. */
export type VoteType = (typeof VOTE_TYPES)[number];
/** The caller's vote as the server reports it. */
export type MyVote = 'upvote' | 'downvote' | null;

export const SHARE_CHANNELS = ['link', 'x', 'facebook', 'whatsapp', 'email', 'other'] as const;
export type ShareChannel = (typeof SHARE_CHANNELS)[number];

/** The metrics object every metrics-changing or -reading response carries (API.md). */
export interface MetricsSnapshot {
  exposeId: string;
  version: number;
  metrics: Metrics;
  myVote?: MyVote | undefined;
}

export interface Comment {
  id: string;
  exposeId: string;
  body: string;
  authorName: string;
  createdAt: string;
}
export interface CommentsPage {
  comments: Comment[];
  nextCursor: string | null;
}

export interface Expose extends MetricsSnapshot {
  title: string;
  body: string;
  createdAt: string;
  expiresAt: string | null;
  expired: boolean;
}
export interface ExposesPage {
  exposes: Expose[];
  nextCursor: string | null;
}

/** Input limits of API.md, in code points after normalising (lib/contracts/text.ts). */
export const LIMITS = Object.freeze({
  exposeIdMax: 64,
  idempotencyKeyMax: 128,
  titleMax: 120,
  exposeBodyMax: 5000,
  commentBodyMax: 2000,
  authorNameMax: 40,
  ttlHoursMin: 1,
  ttlHoursMax: 720,
  pageLimitMax: 50,
  pageLimitDefault: 20,
  cursorMax: 200,
  idsPerMetricsCall: 100,
});

/** `exposeId`: 1-64 characters from [A-Za-z0-9_-] (API.md); the length is checked separately. */
export const EXPOSE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const isExposeId = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= LIMITS.exposeIdMax && EXPOSE_ID_PATTERN.test(v);

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
  'challenge_required',
  'challenge_failed',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ErrorBody {
  error: { code: string; message: string };
}

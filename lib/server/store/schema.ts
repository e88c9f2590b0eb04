import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const counter = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

/**
 * Keyset cursors carry a JS Date (millisecond precision); a row stored with microseconds would sit
 * between two cursor values and be skipped. Rows that pages walk are created at whole milliseconds.
 */
const createdAtMs = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .default(sql`date_trunc('milliseconds', now())`);

/**
 * Reddit's "hot" rank: sign(n) * log10(max(|n|, 1)) + (created_at - 2025-01-01) / 45000 s, n = net
 * votes. Every 12.5 hours of age weigh as much as a factor of 10 in votes. Unlike HN's
 * n / (age_h + 2)^1.8 it does not change with the time of reading, so it can be stored and indexed;
 * the order it gives is the same at any moment. Only immutable functions: a generated column needs them.
 */
const HOT_RANK_SQL = sql.raw(
  `sign((upvotes - downvotes)::double precision) * log(greatest(abs(upvotes - downvotes), 1)::double precision)` +
    ` + extract(epoch from (created_at - '2025-01-01 00:00:00+00'::timestamptz))::double precision / 45000`,
);

/** One row per expose; the counters are the source of truth for its metrics. netVotes is derived. */
export const exposes = pgTable(
  'exposes',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: createdAtMs(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    views: counter('views'),
    comments: counter('comments'),
    upvotes: counter('upvotes'),
    downvotes: counter('downvotes'),
    shares: counter('shares'),
    version: counter('version'),
    // Sort keys of the feed (docs/ARCHITECTURE.md "Feed sorts"), kept by PostgreSQL itself: both
    // are recomputed whenever a vote moves the counters, and neither depends on the time of reading.
    netVotes: bigint('net_votes', { mode: 'number' })
      .notNull()
      .generatedAlwaysAs(sql`upvotes - downvotes`),
    hotRank: doublePrecision('hot_rank')
      .notNull()
      .generatedAlwaysAs(sql`${HOT_RANK_SQL}`),
  },
  (t) => [
    // `order by created_at desc, id desc` means NULLS FIRST; an index built DESC NULLS LAST (what a
    // bare .desc() generates) does not match it, and the feed became a sort of the whole table
    // (docs/QUERY-PLANS.md). NOT NULL columns do not make the planner ignore the difference.
    index('exposes_feed_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('exposes_top_idx').on(t.netVotes.desc().nullsFirst(), t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('exposes_hot_idx').on(t.hotRank.desc().nullsFirst(), t.id.desc().nullsFirst()),
    check(
      'exposes_counters_non_negative',
      sql`${t.views} >= 0 and ${t.comments} >= 0 and ${t.upvotes} >= 0 and ${t.downvotes} >= 0 and ${t.shares} >= 0`,
    ),
  ],
);

/** The caller's vote state: one row per (expose, session), value -1/0/+1. */
export const votes = pgTable(
  'votes',
  {
    exposeId: text('expose_id').notNull(),
    sessionId: text('session_id').notNull(),
    value: smallint('value').notNull(),
    /**
     * Whether this row's value is in the public counters. A vote over its IP identity's cap is kept
     * (the voter's button stays pressed) but not counted, so taking it back must not decrement.
     */
    counted: boolean('counted').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.exposeId, t.sessionId] }),
    check('votes_value_range', sql`${t.value} in (-1, 0, 1)`),
  ],
);

/** View de-duplication: one row per (expose, viewer hash) until it expires. */
export const viewDedup = pgTable(
  'view_dedup',
  {
    exposeId: text('expose_id').notNull(),
    viewerHash: text('viewer_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /**
     * The UTC day of the salt the hash was made with (a hash belongs to one day). The partition key
     * on PostgreSQL (docs/OPERATIONS.md "Partitions"), so it is part of the primary key.
     */
    day: text('day').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exposeId, t.viewerHash, t.day] }), index('view_dedup_expires_idx').on(t.expiresAt)],
);

/**
 * What one IP identity (its salted daily hash, never the address) has counted on one expose on one
 * UTC day, so the caps hold across sessions. `granted` is scratch: each capped upsert writes the
 * number it let through there and reads it back in RETURNING (docs/SECURITY.md "Count integrity").
 */
export const ipExposeCounts = pgTable(
  'ip_expose_counts',
  {
    exposeId: text('expose_id').notNull(),
    ipKey: text('ip_key').notNull(),
    day: text('day').notNull(),
    votes: integer('votes').notNull().default(0),
    views: integer('views').notNull().default(0),
    shares: integer('shares').notNull().default(0),
    granted: integer('granted').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.exposeId, t.ipKey, t.day] }), index('ip_expose_counts_day_idx').on(t.day)],
);

/**
 * Proof-of-work challenges already used (lib/server/domain/challenge.ts): a solution is claimed by
 * inserting its id in the same transaction as the write it pays for, so a rolled-back write never
 * burns it and a replay (on any instance) finds the row. Deleted by maintenance once expired.
 */
export const usedChallenges = pgTable(
  'used_challenges',
  {
    id: text('id').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('used_challenges_expires_at_idx').on(t.expiresAt)],
);

/**
 * Per expose, UTC day and write kind: how many requests counted and how many were dropped, by reason
 * (lib/server/domain/audit.ts). Added to in batches by the audit recorder.
 */
export const exposeAudit = pgTable(
  'expose_audit',
  {
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    kind: text('kind').notNull(),
    outcome: text('outcome').notNull(),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.exposeId, t.day, t.kind, t.outcome] })],
);

/** Daily random salts for the viewer hash, shared by all instances, deleted after 48 h. */
export const viewSalts = pgTable('view_salts', {
  day: text('day').primaryKey(),
  salt: text('salt').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Idempotency keys, scoped to (session, endpoint: 'share' | 'comment'), with the first reply. A
 * row is inserted first in its request's transaction and gets its reply before that commits, so
 * a committed row always has one; status_code is null only inside the running transaction.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    sessionId: text('session_id').notNull(),
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    statusCode: smallint('status_code'),
    response: jsonb('response'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The UTC day of `created_at`: the partition key on PostgreSQL, so part of the primary key. */
    day: text('day').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.scope, t.key, t.day] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

export const comments = pgTable(
  'comments',
  {
    id: text('id').primaryKey(),
    exposeId: text('expose_id').notNull(),
    body: text('body').notNull(),
    authorName: text('author_name').notNull(),
    createdAt: createdAtMs(),
  },
  // NULLS FIRST to match the page query's `order by created_at desc, id desc` (see exposes_feed_idx).
  (t) => [index('comments_page_idx').on(t.exposeId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst())],
);

export const shares = pgTable(
  'shares',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    exposeId: text('expose_id').notNull(),
    channel: text('channel').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('shares_expose_idx').on(t.exposeId)],
);

/**
 * Engagement history (docs/ARCHITECTURE.md "Analytics"): per expose and UTC minute, what the
 * counters moved by. Written inside the same statements or transactions that move the counters
 * (one upsert per expose per batch), so a row's sums always equal the counters' changes.
 * `upvotes`/`downvotes` are net counter changes (a retracted vote is -1). Kept 48 h, then summed
 * into `engagement_hours` (kept 90 days) by maintenance. No foreign key: the hot path pays no extra
 * lookup, and exposes are never deleted.
 */
const engagementColumns = {
  exposeId: text('expose_id').notNull(),
  views: integer('views').notNull().default(0),
  upvotes: integer('upvotes').notNull().default(0),
  downvotes: integer('downvotes').notNull().default(0),
  shares: integer('shares').notNull().default(0),
  comments: integer('comments').notNull().default(0),
};
export const engagementMinutes = pgTable(
  'engagement_minutes',
  { ...engagementColumns, minute: timestamp('minute', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.exposeId, t.minute] }), index('engagement_minutes_minute_idx').on(t.minute)],
);
export const engagementHours = pgTable(
  'engagement_hours',
  { ...engagementColumns, hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.exposeId, t.hour] }), index('engagement_hours_hour_idx').on(t.hour)],
);

/** Writes that moved no counter, per expose, minute, kind and reason (from the count audit's flush). */
const dropColumns = {
  exposeId: text('expose_id').notNull(),
  kind: text('kind').notNull(),
  outcome: text('outcome').notNull(),
  n: integer('n').notNull().default(0),
};
export const engagementDropMinutes = pgTable(
  'engagement_drop_minutes',
  { ...dropColumns, minute: timestamp('minute', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.exposeId, t.minute, t.kind, t.outcome] }), index('engagement_drop_minutes_minute_idx').on(t.minute)],
);
export const engagementDropHours = pgTable(
  'engagement_drop_hours',
  { ...dropColumns, hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.exposeId, t.hour, t.kind, t.outcome] }), index('engagement_drop_hours_hour_idx').on(t.hour)],
);

/**
 * Client reliability per minute and operation kind (vote, view, share, comment; `page` carries
 * uncaught errors), from POST /api/telemetry. Latency buckets count acknowledged operations by
 * click-to-acknowledgement time: lat_100 = up to 100 ms, lat_250 = over 100 up to 250 ms, and so on.
 */
const clientColumns = {
  kind: text('kind').notNull(),
  operations: integer('operations').notNull().default(0),
  acknowledged: integer('acknowledged').notNull().default(0),
  rolledBack: integer('rolled_back').notNull().default(0),
  dropped: integer('dropped').notNull().default(0),
  attempts: integer('attempts').notNull().default(0),
  retries: integer('retries').notNull().default(0),
  timeouts: integer('timeouts').notNull().default(0),
  exhausted: integer('exhausted').notNull().default(0),
  errors: integer('errors').notNull().default(0),
  lat100: integer('lat_100').notNull().default(0),
  lat250: integer('lat_250').notNull().default(0),
  lat500: integer('lat_500').notNull().default(0),
  lat1000: integer('lat_1000').notNull().default(0),
  lat2500: integer('lat_2500').notNull().default(0),
  lat5000: integer('lat_5000').notNull().default(0),
  lat10000: integer('lat_10000').notNull().default(0),
  latInf: integer('lat_inf').notNull().default(0),
};
export const clientMinutes = pgTable(
  'client_minutes',
  { ...clientColumns, minute: timestamp('minute', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.minute, t.kind] })],
);
export const clientHours = pgTable(
  'client_hours',
  { ...clientColumns, hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull() },
  (t) => [primaryKey({ columns: [t.hour, t.kind] })],
);

/**
 * A/B experiments (lib/server/domain/experiments): the state an admin set (draft, running, paused,
 * stopped) and the variant weights frozen when it first started, so a config edit cannot move sessions.
 */
export const experimentStates = pgTable('experiment_states', {
  key: text('key').primaryKey(),
  status: text('status').notNull(),
  weights: jsonb('weights').$type<number[]>(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * One row per exposed session and experiment (the exposure, recorded once), with the session's
 * outcomes added from its telemetry: engagement (acknowledged writes by kind) and reliability.
 * The session id is the anonymous cookie id (as in `votes`), never an IP or user agent.
 */
export const experimentSessions = pgTable(
  'experiment_sessions',
  {
    experimentKey: text('experiment_key').notNull(),
    sessionId: text('session_id').notNull(),
    variant: text('variant').notNull(),
    exposedAt: timestamp('exposed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    votes: integer('votes').notNull().default(0),
    shares: integer('shares').notNull().default(0),
    comments: integer('comments').notNull().default(0),
    views: integer('views').notNull().default(0),
    operations: integer('operations').notNull().default(0),
    rolledBack: integer('rolled_back').notNull().default(0),
    retries: integer('retries').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.experimentKey, t.sessionId] }), index('experiment_sessions_variant_idx').on(t.experimentKey, t.variant)],
);

/** Click-to-acknowledgement latency of exposed sessions' operations, per experiment, variant and bucket (upper bound, ms). */
export const experimentLatency = pgTable(
  'experiment_latency',
  {
    experimentKey: text('experiment_key').notNull(),
    variant: text('variant').notNull(),
    leMs: integer('le_ms').notNull(),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.experimentKey, t.variant, t.leMs] })],
);

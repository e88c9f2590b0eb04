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
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
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
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
    viewerHash: text('viewer_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.exposeId, t.viewerHash] }), index('view_dedup_expires_idx').on(t.expiresAt)],
);

/**
 * What one IP identity (its salted daily hash, never the address) has counted on one expose on one
 * UTC day, so the caps hold across sessions. `granted` is scratch: each capped upsert writes the
 * number it let through there and reads it back in RETURNING (docs/SECURITY.md "Count integrity").
 */
export const ipExposeCounts = pgTable(
  'ip_expose_counts',
  {
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
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
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.scope, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

export const comments = pgTable(
  'comments',
  {
    id: text('id').primaryKey(),
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
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
    exposeId: text('expose_id')
      .notNull()
      .references(() => exposes.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('shares_expose_idx').on(t.exposeId)],
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

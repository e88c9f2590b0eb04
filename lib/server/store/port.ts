import type { DbProbe } from '@/lib/server/observability/probes';
/** The storage port: everything the domain may ask of the system of record. */

export interface CounterRow {
  views: number;
  comments: number;
  upvotes: number;
  downvotes: number;
  shares: number;
  version: number;
}

export interface ExposeRow extends CounterRow {
  id: string;
  title: string;
  body: string;
  createdAt: Date;
  expiresAt: Date | null;
  /** The stored hot rank (schema.ts), read back exactly so a "hot" page can continue after it. */
  hotRank?: number;
}

export interface NewExpose {
  id: string;
  title: string;
  body: string;
  expiresAt: Date | null;
}

export interface FeedCursor {
  createdAt: Date;
  id: string;
}

/** Which feed: newest first, by net votes (created since `since`, or ever), or by the stored hot rank. */
export type FeedQueryOrder = { sort: 'new' } | { sort: 'top'; since: Date | null } | { sort: 'hot' };

/** The last row of the previous page, with the sort key of the order being paged. */
export interface FeedAfter extends FeedCursor {
  netVotes?: number;
  hotRank?: number;
}

export interface ExposeStore {
  /** A real round trip to the database. */
  ping(): Promise<void>;
  insertExpose(input: NewExpose): Promise<ExposeRow>;
  /** In `order` (newest first by default), expired ones left out, strictly after `after` when given. */
  listFeed(opts: { now: Date; limit: number; order?: FeedQueryOrder; after?: FeedAfter }): Promise<ExposeRow[]>;
  findExpose(id: string): Promise<ExposeRow | null>;
  /** The caller's vote value (-1/0/+1) per expose, for the ids that have one. */
  findVotes(sessionId: string, exposeIds: readonly string[]): Promise<Map<string, number>>;
  countExposes(): Promise<number>;
}

/**
 * What every metrics write reports about its expose, read in the same statement as the write.
 * Writes take a LIST of operations for one expose so that a coalescer can later fold concurrent
 * requests into one statement with one counter update (DESIGN.md "Hot-row writes").
 */
export interface WriteResult {
  /** False when the expose had expired at `now`: nothing was written. */
  open: boolean;
  counters: CounterRow;
  /** Vote value (-1/0/+1) per session of the operations, for those that have one. */
  votes: Map<string, number>;
}

export interface ViewOp {
  sessionId: string;
  viewerHash: string;
  /** The same viewer's hash under yesterday's salt; an unexpired row under it also counts as seen. */
  previousHash: string | null;
  /** The viewer's IP identity under today's salt, for the per-IP view cap. */
  ipKey?: string;
  /**
   * The UTC day of the salt `viewerHash` was made with (`previousHash`: the day before); the de-dup
   * row's partition. Defaults to the batch's own day (store tests).
   */
  day?: string;
}

export interface ViewWriteOptions {
  now: Date;
  /** A new de-dup row's expiry. */
  until: Date;
  /** At most `max` counted views per IP identity, expose and `day`; absent: no cap (store tests). */
  ipCap?: { day: string; max: number };
}

/** A view of one expose, for batches that span several exposes. */
export interface ExposeViewOp extends ViewOp {
  exposeId: string;
}

export interface ViewBatchResult {
  /** One entry per expose of the batch that exists (open or not; nothing is written to closed ones). */
  exposes: Map<string, WriteResult>;
  /** `counted[i]` tells whether op i was counted. */
  counted: boolean[];
  /** `capped[i]`: op i was a new viewer, not counted because its IP identity reached the view cap. */
  capped: boolean[];
}

export interface ShareOp {
  sessionId: string;
  channel: string;
  /** The sharer's IP identity under today's salt, for the per-IP share cap. */
  ipKey?: string;
}

export interface NewComment {
  id: string;
  sessionId: string;
  body: string;
  authorName: string;
}

export interface CommentRow {
  id: string;
  exposeId: string;
  body: string;
  authorName: string;
  createdAt: Date;
}

export interface VoteChange {
  sessionId: string;
  value: number;
  /** Whether the new value is in the public counters (false: over its IP identity's cap). */
  counted: boolean;
}

/** One session's vote row on one expose. */
export interface ExposeSession {
  exposeId: string;
  sessionId: string;
}

/** An expose's state as the votes' step 1 locked it. */
export interface LockedVotesRow extends WriteResult {
  /** Each session's value (0 when its row is new). */
  current: Map<string, number>;
  /** Whether each session's value is in the public counters. */
  counted: Map<string, boolean>;
}

/** One expose's part of a vote write. */
export interface ExposeVoteWrite {
  exposeId: string;
  changes: readonly VoteChange[];
  delta: { upvotes: number; downvotes: number };
}

/** Requests of one outcome, for one expose, UTC day and write kind (lib/server/domain/audit.ts). */
export interface AuditRow {
  exposeId: string;
  day: string;
  kind: string;
  outcome: string;
  n: number;
}

/** One IP identity's request for `n` more counted writes on one expose and day. */
export interface IpGrantRequest {
  ipKey: string;
  n: number;
}

/** The same for one expose of a batch that spans several. */
export interface ExposeIpGrantRequest extends IpGrantRequest {
  exposeId: string;
}

/**
 * A vote change for writeVotesGranted. `before` is the row's share of the counters now (`counted ?
 * value : 0`). One that `asks` counts if it is among the first `granted` (by `rank`, 1-based per IP
 * identity) of its identity; one that does not ask counts as `counted` says.
 */
export interface GrantedVoteChange {
  sessionId: string;
  value: number;
  before: number;
  asks: boolean;
  ipKey: string;
  rank: number;
  counted: boolean;
}

/** What one grant added for an IP identity, and its counted votes on (expose, day) afterwards. */
export interface IpGrant {
  granted: number;
  total: number;
}

export interface IdempotencyRef {
  sessionId: string;
  scope: string;
  key: string;
}

export type IdempotencyClaim =
  /** This transaction holds the key until it commits or rolls back. */
  | { state: 'claimed' }
  /** Another transaction held the key for longer than the wait; this transaction is aborted. */
  | { state: 'busy' }
  /** An earlier request with the key committed this reply. */
  | { state: 'done'; fingerprint: string; statusCode: number; response: unknown };

/** Writes that run as one statement each; usable on the store or inside `transaction`. */
export interface WriteQueries {
  /**
   * Counts the views whose viewer has no unexpired dedup row (under either hash); inserts
   * (or revives expired) rows until `until`, and adds the number inserted to `views`.
   * `counted[i]` tells whether op i was counted. Null when the expose does not exist.
   */
  applyViews(
    exposeId: string,
    ops: readonly ViewOp[],
    opts: ViewWriteOptions,
  ): Promise<(WriteResult & { counted: boolean[] }) | null>;
  /**
   * The same for a batch spanning several exposes, in ONE statement: one counter update and one
   * version bump per expose that counted a view. The hot-write path batches all views this way.
   */
  applyViewsAcross(ops: readonly ExposeViewOp[], opts: ViewWriteOptions): Promise<ViewBatchResult>;
  /**
   * Records one share row per op and adds their number to `shares`. With `ipCap`, only the first ops
   * of each IP identity that fit under its cap for (expose, day) are recorded (`recorded` says how
   * many; `ipTotal` is the identity's counted shares afterwards, for one op's identity). Null when the expose
   * does not exist.
   */
  applyShares(
    exposeId: string,
    ops: readonly ShareOp[],
    opts: { now: Date; ipCap?: { day: string; max: number } },
  ): Promise<(WriteResult & { recorded: number; ipTotal: number }) | null>;
  /** Inserts the comments (created at `now`) and adds their number to `comments`. */
  insertComments(exposeId: string, comments: readonly NewComment[], opts: { now: Date }): Promise<WriteResult | null>;
  /**
   * Votes, step 1 (inside one transaction), for a batch spanning any number of exposes: makes sure
   * each (expose, session) has a vote row (0 when new) and locks those rows until commit, in
   * (expose, session) order, so concurrent requests of one session serialise here. Returns each
   * expose's counters and its sessions' current values; a missing expose is left out, a closed one
   * comes back `open: false` with nothing locked. Lock order of all writes: store/vote-queries.ts.
   */
  lockVotes(pairs: readonly ExposeSession[], opts: { now: Date }): Promise<Map<string, LockedVotesRow>>;
  /**
   * Inside the votes' transaction: adds up to `cap` counted votes per (expose, IP identity) on `day`
   * and returns what each request was granted, by expose and then IP identity. The upserts run in
   * (expose, IP identity) order and hold the row locks until commit, so concurrent batches of one
   * identity never grant more than the cap between them.
   */
  grantIpVotes(day: string, requests: readonly ExposeIpGrantRequest[], cap: number): Promise<Map<string, Map<string, IpGrant>>>;
  /**
   * Locks (creating when missing, with zero counts) the `ip_expose_counts` rows of these (expose, IP
   * identity) pairs in that order: a batch that needs two grant statements (free and paid votes)
   * takes all its identity rows at once first, so its two statements keep the global lock order.
   */
  lockIpCounts(day: string, keys: readonly { exposeId: string; ipKey: string }[]): Promise<void>;
  /**
   * Votes, step 2 with the free-vote grant in the same statement (the batch carries no solutions),
   * for any number of exposes: grants up to `cap` per (expose, IP identity), stores the rows with
   * `counted` decided from the grant, adds each expose's deltas (one version bump per expose).
   * Returns per expose the counters, the sessions whose new value counted and each identity's grant.
   */
  writeVotesGranted(
    writes: readonly { exposeId: string; changes: readonly GrantedVoteChange[] }[],
    grant: { day: string; cap: number },
    opts: { now: Date },
  ): Promise<Map<string, { counters: CounterRow; counted: Set<string>; grants: Map<string, IpGrant> }>>;
  /**
   * Marks proof-of-work challenges used, in the caller's transaction (it commits or rolls back with
   * the write the solution pays for). Returns the ids this call claimed; an id already used (a
   * replay) is left out.
   */
  claimChallenges(claims: readonly { id: string; expiresAt: Date }[]): Promise<Set<string>>;
  /**
   * Votes, step 2 without the grant: stores the new values and adds each expose's deltas to its
   * counters (one version bump per expose) in one statement, locking the exposes' rows in id order.
   * The database does the arithmetic (`upvotes = upvotes + delta`). Returns the counters by expose.
   */
  writeVotes(writes: readonly ExposeVoteWrite[], opts: { now: Date }): Promise<Map<string, CounterRow>>;
  /**
   * Inserts the key's row; must run first in the effect's transaction, so the claim commits or
   * rolls back with the effect (a request that dies cannot keep it). A concurrent duplicate waits
   * on the unique index for at most `waitMs` (then 'busy'), and once the first one committed sees
   * its reply ('done').
   */
  claimIdempotencyKey(ref: IdempotencyRef, fingerprint: string, opts: { now: Date; waitMs: number }): Promise<IdempotencyClaim>;
  /** Stores the first reply for a claimed key, in the same transaction as the claim. */
  completeIdempotencyKey(ref: IdempotencyRef, reply: { statusCode: number; response: unknown }): Promise<void>;
  /**
   * Engagement history: adds each expose's deltas to its row for the minute of `now`, in one
   * upsert. Called inside a vote batch's transaction after its counter update (views, shares and
   * comments carry the same upsert inside their own counter statement).
   */
  addEngagement(rows: readonly EngagementDelta[], opts: { now: Date }): Promise<void>;
}

/** What one batch moved on one expose's counters (absent = 0); upvotes/downvotes may be negative. */
export interface EngagementDelta {
  exposeId: string;
  views?: number;
  upvotes?: number;
  downvotes?: number;
  shares?: number;
  comments?: number;
}

export interface EngagementPoint {
  at: Date;
  views: number;
  upvotes: number;
  downvotes: number;
  shares: number;
  comments: number;
}

/** Writes that moved no counter in one minute, by kind and reason (the count audit's outcomes). */
export interface DropRow {
  exposeId: string;
  minute: Date;
  kind: string;
  outcome: string;
  n: number;
}

/** Client reliability of one minute (or bucket) and operation kind (`page`: uncaught errors). */
export interface ClientStatsRow {
  at: Date;
  kind: string;
  operations: number;
  acknowledged: number;
  rolledBack: number;
  dropped: number;
  attempts: number;
  retries: number;
  timeouts: number;
  exhausted: number;
  errors: number;
  /** Acknowledged operations per click-to-acknowledgement bucket (analytics-queries.ts LATENCY_BOUNDS_MS). */
  latency: number[];
}

export interface TopExposeRow {
  id: string;
  title: string;
  /** Activity (views, votes either way, shares, comments) in the last 15 minutes. */
  recent: number;
  /** The same in the hour before those 15 minutes. */
  prior: number;
}

/** Engagement and client-reliability history (the dashboard's tables, docs/ARCHITECTURE.md "Analytics"). */
export interface AnalyticsStore {
  addDrops(rows: readonly DropRow[]): Promise<void>;
  addClientStats(rows: readonly ClientStatsRow[]): Promise<void>;
  /** Engagement summed per `bucketSec` (at least 60) in [from, to), over all exposes or one. */
  engagementSeries(opts: { from: Date; to: Date; bucketSec: number; exposeId?: string }): Promise<EngagementPoint[]>;
  /** Dropped writes since `from` by kind and reason, over all exposes or one. */
  dropSeries(opts: { from: Date; exposeId?: string }): Promise<{ kind: string; outcome: string; n: number }[]>;
  /** Exposes with activity in the last 15 minutes before `now`, most active first (at most 200). */
  topExposes(opts: { now: Date }): Promise<TopExposeRow[]>;
  /** Client reliability summed per `bucketSec` and kind in [from, to). */
  clientStats(opts: { from: Date; to: Date; bucketSec: number }): Promise<ClientStatsRow[]>;
  /** Minute rows before `minutesBefore` are summed into hour rows; hour rows before `hoursBefore` deleted. */
  rollupHistory(opts: { now: Date; minutesBefore: Date; hoursBefore: Date }): Promise<{
    engagementMinutes: number;
    dropMinutes: number;
    clientMinutes: number;
    hours: number;
  }>;
}

export interface MetricsRow extends CounterRow {
  id: string;
  /** The caller's vote value, when any. */
  vote: number | null;
}

export interface MetricsStore extends WriteQueries {
  /** Counters (and the caller's vote) of the given ids; unknown ids are left out. */
  findMetrics(ids: readonly string[], sessionId: string | undefined): Promise<MetricsRow[]>;
  /** Newest first, ties by id descending, strictly after `after` when given. */
  listComments(exposeId: string, opts: { limit: number; after?: FeedCursor }): Promise<CommentRow[]>;
  /** Adds the counts to the audit table (rows for unknown exposes are left out). */
  addAudit(rows: readonly AuditRow[]): Promise<void>;
  readAudit(exposeId: string): Promise<AuditRow[]>;
  /** Runs `work` in one transaction; nothing it wrote survives a throw. Use only `tx` inside. */
  transaction<T>(work: (tx: WriteQueries) => Promise<T>): Promise<T>;

  /** Today's salt: `candidate` is stored unless another instance stored one first; the winner is returned. */
  ensureSalt(day: string, candidate: string, opts: { now: Date }): Promise<string>;
  findSalt(day: string): Promise<string | null>;

  /** Deletes what has outlived its purpose; returns how many rows of each kind went. */
  deleteExpired(opts: { dedupBefore: Date; saltsBeforeDay: string; idempotencyBefore: Date }): Promise<{
    viewDedup: number;
    viewSalts: number;
    idempotencyKeys: number;
    /** ip_expose_counts of days before `saltsBeforeDay` (their keys' salt is gone). */
    ipCounts: number;
    /** used_challenges rows whose challenge expired (a replay would fail on its expiry anyway). */
    usedChallenges: number;
  }>;
}

export interface ExperimentStateRow {
  key: string;
  status: string;
  /** The variant weights frozen when the experiment first started. */
  weights: number[] | null;
  startedAt: Date | null;
}

export interface ExperimentOutcomeRow {
  experimentKey: string;
  sessionId: string;
  variant: string;
  votes: number;
  shares: number;
  comments: number;
  views: number;
  operations: number;
  rolledBack: number;
  retries: number;
  /** Click-to-acknowledgement latencies of the row's acknowledged operations, by bucket upper bound (ms). */
  latency: readonly { leMs: number; n: number }[];
}

export interface ExperimentVariantAggregate {
  variant: string;
  exposures: number;
  votes: number;
  shares: number;
  comments: number;
  views: number;
  /** Sum over sessions of all acknowledged writes, and of its square (for the per-session variance). */
  total: number;
  totalSquares: number;
  operations: number;
  rolledBack: number;
  retries: number;
}

export interface ExperimentStore {
  readExperimentStates(): Promise<ExperimentStateRow[]>;
  writeExperimentState(state: ExperimentStateRow, now: Date): Promise<void>;
  /** Records the exposure once; false when this session was already exposed to the experiment. */
  insertExposure(e: { experimentKey: string; sessionId: string; variant: string; at: Date }): Promise<boolean>;
  /**
   * Adds to exposed sessions' outcomes and their variants' latency buckets, in one statement; rows of
   * unexposed sessions or of another variant than the exposed one are ignored, latency included.
   * Returns how many rows were taken.
   */
  addExperimentOutcomes(rows: readonly ExperimentOutcomeRow[]): Promise<number>;
  readExperimentAggregates(experimentKey: string): Promise<{
    variants: ExperimentVariantAggregate[];
    latency: { variant: string; leMs: number; n: number }[];
  }>;
}

export type Store = ExposeStore &
  MetricsStore &
  AnalyticsStore &
  ExperimentStore & {
    readonly kind: 'pglite' | 'postgres';
    close(): Promise<void>;
    /** Open, idle and waiting connections, for the ec_db_pool_* gauges. */
    poolStats?(): { total: number; idle?: number; waiting?: number };
    /** Where query timings go from now on (query-timing.ts). */
    observeQueries?(probe: DbProbe): void;
  };

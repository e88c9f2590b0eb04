import { sql, type SQL } from 'drizzle-orm';
import type { CounterRow } from './port';

/** Shared fragments and row parsers for the metrics queries. */

export const COUNTER_COLUMNS = sql.raw('views, comments, upvotes, downvotes, shares, version');

/** A timestamp parameter; ISO strings keep millisecond precision on both drivers. */
export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
export const textArray = (xs: readonly (string | null)[]): SQL => sql`${sql.param([...xs])}::text[]`;
export const smallintArray = (xs: readonly number[]): SQL => sql`${sql.param([...xs])}::smallint[]`;
export const intArray = (xs: readonly number[]): SQL => sql`${sql.param([...xs])}::int[]`;
export const boolArray = (xs: readonly boolean[]): SQL => sql`${sql.param([...xs])}::boolean[]`;

export const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

export interface RawCounters {
  views: string | number;
  comments: string | number;
  upvotes: string | number;
  downvotes: string | number;
  shares: string | number;
  version: string | number;
}

/** bigint columns arrive as strings from pg and numbers from PGlite; both become numbers here. */
export const toCounters = (r: RawCounters): CounterRow => ({
  views: Number(r.views),
  comments: Number(r.comments),
  upvotes: Number(r.upvotes),
  downvotes: Number(r.downvotes),
  shares: Number(r.shares),
  version: Number(r.version),
});

/** `json_object_agg(session_id, value)` output (null when empty) as a map. */
export function toVoteMap(raw: unknown): Map<string, number> {
  const map = new Map<string, number>();
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) map.set(k, Number(v));
  }
  return map;
}

/**
 * The sessions' vote values on one expose, as one JSON object column. Driven by the list of
 * sessions, one primary-key probe each (the LIMIT keeps the planner from flattening the LATERAL
 * into a join), so that a prepared statement's generic plan, costed for an average expose, never
 * scans a hot expose's tens of thousands of votes (docs/QUERY-PLANS.md).
 */
export const sessionVotes = (exposeId: string, sessionIds: readonly string[]): SQL => sql`(
  select json_object_agg(v.session_id, v.value)
  from unnest(${textArray(sessionIds)}) as s(session_id)
  cross join lateral (
    select session_id, value from votes where expose_id = ${exposeId} and session_id = s.session_id limit 1
  ) v)`;

/**
 * The shape every counter write shares, as ONE statement: read the expose (`e`, with `open`
 * evaluated at `now`), run the effect CTEs (which must write only when `e.open`), bump the counters
 * and `version` once when something changed, and select the resulting counters. Zero rows means
 * the expose does not exist. The row lock on the expose is taken last, after the effect's own
 * rows, in every write, so concurrent writes cannot deadlock on it.
 */
export function counterWrite(p: {
  exposeId: string;
  now: Date;
  sessionIds: readonly string[];
  effects: SQL;
  bump: SQL;
  changed: SQL;
  extraColumns?: SQL;
  /** Engagement history: a CTE (named `eng`) that reads `ctr`, e.g. from analytics-queries.ts `engagementUpsert`. */
  history?: (exposeId: SQL) => SQL;
}): SQL {
  return sql`
    with e as (
      select id, ${COUNTER_COLUMNS}, (expires_at is null or expires_at > ${ts(p.now)}) as open
      from exposes where id = ${p.exposeId}
    ),
    ${p.effects},
    ctr as (
      update exposes set ${p.bump}, version = version + 1
      where id = ${p.exposeId} and ${p.changed}
      returning ${COUNTER_COLUMNS}
    )${p.history ? sql`,
    eng as (${p.history(sql`${p.exposeId}::text`)})` : sql``}
    select e.open,
      coalesce(c.views, e.views) as views, coalesce(c.comments, e.comments) as comments,
      coalesce(c.upvotes, e.upvotes) as upvotes, coalesce(c.downvotes, e.downvotes) as downvotes,
      coalesce(c.shares, e.shares) as shares, coalesce(c.version, e.version) as version,
      ${sessionVotes(p.exposeId, p.sessionIds)} as my_votes
      ${p.extraColumns ?? sql``}
    from e left join ctr c on true`;
}

export interface RawWriteRow extends RawCounters {
  open: boolean;
  my_votes: unknown;
}

export const toWriteResult = (r: RawWriteRow) => ({
  open: r.open === true || (r.open as unknown) === 't',
  counters: toCounters(r),
  votes: toVoteMap(r.my_votes),
});

import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { IpGrantRequest, VoteChange, WriteQueries } from './port';
import {
  COUNTER_COLUMNS,
  boolArray,
  intArray,
  smallintArray,
  textArray,
  toCounters,
  toVoteMap,
  toWriteResult,
  ts,
  type RawCounters,
  type RawWriteRow,
} from './sql-helpers';

/**
 * Votes in two statements inside one transaction (the domain plans the transition in between).
 * Step 1 upserts every session's row with ON CONFLICT DO UPDATE, which takes the row lock and
 * returns the latest committed value, also when a concurrent request of the same session inserted
 * it a moment ago. Holding those locks, step 2's snapshot sees exactly the locked values.
 */
export function voteQueries(db: SqlExecutor): Pick<WriteQueries, 'lockVotes' | 'writeVotes' | 'grantIpVotes'> {
  return {
    async lockVotes(exposeId: string, sessionIds: readonly string[], opts: { now: Date }) {
      const sessions = [...new Set(sessionIds)].sort();
      const rows = await db.rows<RawWriteRow & { current: unknown; counted_now: Record<string, boolean> | null }>(sql`
        with e as (
          select id, ${COUNTER_COLUMNS}, (expires_at is null or expires_at > ${ts(opts.now)}) as open
          from exposes where id = ${exposeId}
        ),
        locked as (
          insert into votes (expose_id, session_id, value, updated_at)
          select e.id, s.session_id, 0, ${ts(opts.now)}
          from e, unnest(${textArray(sessions)}) as s(session_id)
          where e.open
          order by s.session_id
          on conflict (expose_id, session_id) do update set value = votes.value
          returning session_id, value, counted
        )
        select e.open, ${COUNTER_COLUMNS}, null as my_votes,
          (select json_object_agg(session_id, value) from locked) as current,
          (select json_object_agg(session_id, counted) from locked) as counted_now
        from e`);
      const row = rows[0];
      if (!row) return null;
      const current = toVoteMap(row.current);
      return { ...toWriteResult(row), votes: current, current, counted: new Map(Object.entries(row.counted_now ?? {})) };
    },

    async grantIpVotes(exposeId: string, day: string, requests: readonly IpGrantRequest[], cap: number) {
      // In SET, `ip_expose_counts.votes` is the locked row's value before this update, so
      // `granted` is exactly what this statement added (an INSERT grants least(n, cap) at once).
      const sorted = [...requests].sort((a, b) => (a.ipKey < b.ipKey ? -1 : a.ipKey > b.ipKey ? 1 : 0));
      const rows = await db.rows<{ ip_key: string; granted: number; votes: number }>(sql`
        insert into ip_expose_counts (expose_id, ip_key, day, votes, granted)
        select ${exposeId}, r.ip_key, ${day}, least(r.n, ${cap}::int), least(r.n, ${cap}::int)
        from unnest(${textArray(sorted.map((r) => r.ipKey))}, ${intArray(sorted.map((r) => r.n))}) as r(ip_key, n)
        on conflict (expose_id, ip_key, day) do update set
          -- never lowered: a row above this cap (grants under a higher cap) keeps its count
          votes = greatest(ip_expose_counts.votes, least(ip_expose_counts.votes + excluded.votes, ${cap}::int)),
          granted = greatest(0, least(ip_expose_counts.votes + excluded.votes, ${cap}::int) - ip_expose_counts.votes)
        returning ip_key, granted, votes`);
      return new Map(rows.map((r) => [r.ip_key, { granted: Number(r.granted), total: Number(r.votes) }]));
    },

    async writeVotes(
      exposeId: string,
      changes: readonly VoteChange[],
      delta: { upvotes: number; downvotes: number },
      opts: { now: Date },
    ) {
      const rows = await db.rows<RawCounters>(sql`
        with changed as (
          -- Rows addressed by their primary key, one probe per change (a LATERAL lookup whose
          -- LIMIT keeps it from being flattened into a join, so no plan, generic or custom, scans
          -- the expose's other votes), then updated by ctid (locked in step 1, so it is stable).
          update votes set value = c.value, counted = c.counted, updated_at = ${ts(opts.now)}
          from unnest(${textArray(changes.map((c) => c.sessionId))}, ${smallintArray(changes.map((c) => c.value))},
            ${boolArray(changes.map((c) => c.counted))}) as c(session_id, value, counted)
          cross join lateral (
            select ctid as row_id from votes where expose_id = ${exposeId} and session_id = c.session_id limit 1
          ) r
          where votes.ctid = r.row_id
          returning 1
        )
        update exposes set
          upvotes = upvotes + ${delta.upvotes}::bigint,
          downvotes = downvotes + ${delta.downvotes}::bigint,
          version = version + 1
        where id = ${exposeId}
        returning ${COUNTER_COLUMNS}`);
      if (!rows[0]) throw new Error(`writeVotes: expose ${exposeId} vanished inside its transaction`);
      return toCounters(rows[0]);
    },
  };
}

import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ExposeVoteChange, ExposeVoteDelta, SessionVoteRef, WriteQueries } from './port';
import {
  COUNTER_COLUMNS,
  smallintArray,
  textArray,
  toCounters,
  toVoteMap,
  toWriteResult,
  ts,
  type RawCounters,
  type RawWriteRow,
} from './sql-helpers';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const bigintArray = (xs: readonly number[]) => sql`${sql.param([...xs])}::bigint[]`;

/**
 * Votes in two statements inside one transaction (the domain plans the transitions in between),
 * for a batch spanning any number of exposes.
 * Step 1 upserts every (expose, session) row with ON CONFLICT DO UPDATE, which takes the row lock
 * and returns the latest committed value, also when a concurrent request of the same session
 * inserted it a moment ago. Holding those locks, step 2's snapshot sees exactly the locked values.
 * Lock order: vote rows first (sorted by expose, session), then the changed exposes in id order
 * (the caller's `lockExposes` before `writeVotes`); a views batch locks exposes only, the same
 * way, so no lock cycle can form.
 */
export function voteQueries(db: SqlExecutor): Pick<WriteQueries, 'lockVotes' | 'writeVotes'> {
  return {
    async lockVotes(refs: readonly SessionVoteRef[], opts: { now: Date }) {
      const pairs = [...new Map(refs.map((r) => [`${r.exposeId}\n${r.sessionId}`, r])).values()].sort(
        (a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.sessionId, b.sessionId),
      );
      const rows = await db.rows<RawWriteRow & { id: string; current: unknown }>(sql`
        with e as (
          select id, ${COUNTER_COLUMNS}, (expires_at is null or expires_at > ${ts(opts.now)}) as open
          from exposes where id = any(${textArray([...new Set(pairs.map((p) => p.exposeId))])})
        ),
        locked as (
          insert into votes (expose_id, session_id, value, updated_at)
          select e.id, s.session_id, 0, ${ts(opts.now)}
          from unnest(${textArray(pairs.map((p) => p.exposeId))}, ${textArray(pairs.map((p) => p.sessionId))})
            with ordinality as s(expose_id, session_id, n)
          join e on e.id = s.expose_id
          where e.open
          order by s.n
          on conflict (expose_id, session_id) do update set value = votes.value
          returning expose_id, session_id, value
        ),
        current as (
          select expose_id, json_object_agg(session_id, value) as votes from locked group by expose_id
        )
        select e.id, e.open, ${sql.raw('e.views, e.comments, e.upvotes, e.downvotes, e.shares, e.version')},
          null as my_votes, c.votes as current
        from e left join current c on c.expose_id = e.id`);
      return new Map(
        rows.map((row) => {
          const current = toVoteMap(row.current);
          return [row.id, { ...toWriteResult(row), votes: current, current }];
        }),
      );
    },

    async writeVotes(changes: readonly ExposeVoteChange[], deltas: readonly ExposeVoteDelta[], opts: { now: Date }) {
      const moved = [...deltas].sort((a, b) => cmp(a.exposeId, b.exposeId));
      const ids = textArray(moved.map((d) => d.exposeId));
      const rows = await db.rows<RawCounters & { id: string }>(sql`
        with changed as (
          -- Rows addressed by their primary key, one probe per change (a LATERAL lookup whose
          -- LIMIT keeps it from being flattened into a join, so no plan, generic or custom, scans
          -- an expose's other votes), then updated by ctid (locked in step 1, so it is stable).
          update votes set value = c.value, updated_at = ${ts(opts.now)}
          from unnest(${textArray(changes.map((c) => c.exposeId))}, ${textArray(changes.map((c) => c.sessionId))},
            ${smallintArray(changes.map((c) => c.value))}) as c(expose_id, session_id, value)
          cross join lateral (
            select ctid as row_id from votes where expose_id = c.expose_id and session_id = c.session_id limit 1
          ) r
          where votes.ctid = r.row_id
          returning 1
        )
        update exposes set
          upvotes = upvotes + d.up,
          downvotes = downvotes + d.down,
          version = version + 1
        from unnest(${ids}, ${bigintArray(moved.map((d) => d.upvotes))}, ${bigintArray(moved.map((d) => d.downvotes))}) as d(id, up, down)
        where exposes.id = d.id
        returning exposes.id, ${sql.raw('exposes.views, exposes.comments, exposes.upvotes, exposes.downvotes, exposes.shares, exposes.version')}`);
      const counters = new Map(rows.map((r) => [r.id, toCounters(r)]));
      for (const d of moved) {
        if (!counters.has(d.exposeId)) throw new Error(`writeVotes: expose ${d.exposeId} vanished inside its transaction`);
      }
      return counters;
    },
  };
}

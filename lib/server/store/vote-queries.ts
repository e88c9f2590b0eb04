import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { CounterRow, ExposeIpGrantRequest, ExposeSession, ExposeVoteWrite, IpGrant, LockedVotesRow, WriteQueries } from './port';
import {
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

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const EXPOSE_COUNTERS = sql.raw('exposes.views, exposes.comments, exposes.upvotes, exposes.downvotes, exposes.shares, exposes.version');

/**
 * Votes inside one transaction for a batch that spans any number of exposes (the domain plans the
 * transition between the statements). Step 1 upserts every (expose, session) row with ON CONFLICT
 * DO UPDATE, which takes the row lock and returns the latest committed value, also when a
 * concurrent request of the same session inserted it a moment ago. Holding those locks, the later
 * statements see exactly the locked values.
 *
 * Lock order (no deadlock between batches of votes, views, shares and comments, on any number of
 * instances): every write locks its own rows first (vote rows in (expose, session) order, claimed
 * challenge ids, de-dup rows in (expose, hash) order, a share's or comment's rows), then the
 * `ip_expose_counts` rows it grants from in (expose, IP identity) order, then the `exposes` rows in
 * id order (a `SELECT … ORDER BY id FOR NO KEY UPDATE` run as an InitPlan before the counter UPDATE
 * touches any of them), and the engagement minute rows last. Only FOR NO KEY UPDATE is ever taken on
 * `exposes`. The tables written next to a counter UPDATE have no foreign key to `exposes`
 * (migration 0011): a foreign key's check runs at the end of the statement, after the UPDATE, and
 * re-locked exposes out of that order; every write checks the expose in its own statement instead.
 */
export function voteQueries(db: SqlExecutor): Pick<WriteQueries, 'lockVotes' | 'writeVotes' | 'grantIpVotes' | 'lockIpCounts'> {
  return {
    async lockVotes(pairs: readonly ExposeSession[], opts: { now: Date }) {
      const unique = [...new Map(pairs.map((p) => [`${p.exposeId}\n${p.sessionId}`, p])).values()].sort(
        (a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.sessionId, b.sessionId),
      );
      const rows = await db.rows<RawWriteRow & { id: string; current: unknown; counted_now: Record<string, boolean> | null }>(sql`
        with e as (
          select id, views, comments, upvotes, downvotes, shares, version, (expires_at is null or expires_at > ${ts(opts.now)}) as open
          from exposes where id = any(${textArray([...new Set(unique.map((p) => p.exposeId))])})
        ),
        locked as (
          insert into votes (expose_id, session_id, value, updated_at)
          select e.id, s.session_id, 0, ${ts(opts.now)}
          from unnest(${textArray(unique.map((p) => p.exposeId))}, ${textArray(unique.map((p) => p.sessionId))})
            with ordinality as s(expose_id, session_id, n)
          join e on e.id = s.expose_id
          where e.open
          order by s.n
          on conflict (expose_id, session_id) do update set value = votes.value
          returning expose_id, session_id, value, counted
        ),
        per_expose as (
          select expose_id, json_object_agg(session_id, value) as current, json_object_agg(session_id, counted) as counted_now
          from locked group by expose_id
        )
        select e.id, e.open, e.views, e.comments, e.upvotes, e.downvotes, e.shares, e.version, null as my_votes,
          p.current, p.counted_now
        from e left join per_expose p on p.expose_id = e.id`);
      return new Map(
        rows.map((row): [string, LockedVotesRow] => {
          const current = toVoteMap(row.current);
          return [row.id, { ...toWriteResult(row), votes: current, current, counted: new Map(Object.entries(row.counted_now ?? {})) }];
        }),
      );
    },

    async grantIpVotes(day: string, requests: readonly ExposeIpGrantRequest[], cap: number) {
      // In SET, `ip_expose_counts.votes` is the locked row's value before this update, so
      // `granted` is exactly what this statement added (an INSERT grants least(n, cap) at once).
      const sorted = [...requests].sort((a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.ipKey, b.ipKey));
      const rows = await db.rows<{ expose_id: string; ip_key: string; granted: number; votes: number }>(sql`
        insert into ip_expose_counts (expose_id, ip_key, day, votes, granted)
        select r.expose_id, r.ip_key, ${day}, least(r.n, ${cap}::int), least(r.n, ${cap}::int)
        from unnest(${textArray(sorted.map((r) => r.exposeId))}, ${textArray(sorted.map((r) => r.ipKey))},
          ${intArray(sorted.map((r) => r.n))}) with ordinality as r(expose_id, ip_key, n, i)
        order by r.i
        on conflict (expose_id, ip_key, day) do update set
          -- never lowered: a row above this cap (grants under a higher cap) keeps its count
          votes = greatest(ip_expose_counts.votes, least(ip_expose_counts.votes + excluded.votes, ${cap}::int)),
          granted = greatest(0, least(ip_expose_counts.votes + excluded.votes, ${cap}::int) - ip_expose_counts.votes)
        returning expose_id, ip_key, granted, votes`);
      const granted = new Map<string, Map<string, IpGrant>>();
      for (const r of rows) {
        let m = granted.get(r.expose_id);
        if (!m) granted.set(r.expose_id, (m = new Map()));
        m.set(r.ip_key, { granted: Number(r.granted), total: Number(r.votes) });
      }
      return granted;
    },

    async lockIpCounts(day: string, keys: readonly { exposeId: string; ipKey: string }[]) {
      const sorted = [...new Map(keys.map((k) => [`${k.exposeId}\n${k.ipKey}`, k])).values()].sort(
        (a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.ipKey, b.ipKey),
      );
      if (sorted.length === 0) return;
      await db.rows(sql`
        insert into ip_expose_counts (expose_id, ip_key, day)
        select r.expose_id, r.ip_key, ${day}
        from unnest(${textArray(sorted.map((r) => r.exposeId))}, ${textArray(sorted.map((r) => r.ipKey))}) with ordinality as r(expose_id, ip_key, i)
        order by r.i
        on conflict (expose_id, ip_key, day) do update set granted = ip_expose_counts.granted
        returning 1`);
    },

    async writeVotes(writes: readonly ExposeVoteWrite[], opts: { now: Date }) {
      const changes = writes.flatMap((w) => w.changes.map((c) => ({ ...c, exposeId: w.exposeId })));
      const deltas = [...writes].sort((a, b) => cmp(a.exposeId, b.exposeId));
      const rows = await db.rows<RawCounters & { id: string }>(sql`
        with changed as (
          -- Rows addressed by their primary key, one probe per change (a LATERAL lookup whose
          -- LIMIT keeps it from being flattened into a join, so no plan, generic or custom, scans
          -- the expose's other votes), then updated by ctid (locked in step 1, so it is stable).
          update votes set value = c.value, counted = c.counted, updated_at = ${ts(opts.now)}
          from unnest(${textArray(changes.map((c) => c.exposeId))}, ${textArray(changes.map((c) => c.sessionId))},
            ${smallintArray(changes.map((c) => c.value))}, ${boolArray(changes.map((c) => c.counted))})
            as c(expose_id, session_id, value, counted)
          cross join lateral (
            select ctid as row_id from votes where expose_id = c.expose_id and session_id = c.session_id limit 1
          ) r
          where votes.ctid = r.row_id
          returning 1
        ),
        d as (
          select * from unnest(${textArray(deltas.map((w) => w.exposeId))}, ${intArray(deltas.map((w) => w.delta.upvotes))},
            ${intArray(deltas.map((w) => w.delta.downvotes))}) as d(expose_id, up, down)
        ),
        -- The exposes' row locks in id order, all taken (the InitPlan below) before the UPDATE
        -- touches any of them, whatever join order the planner picks.
        lk as (
          select id from exposes where id in (select expose_id from d) order by id for no key update
        )
        update exposes set
          upvotes = upvotes + d.up::bigint,
          downvotes = downvotes + d.down::bigint,
          version = version + 1
        from d
        where exposes.id = d.expose_id and (select count(*) from lk) >= 0
        returning exposes.id, ${EXPOSE_COUNTERS}`);
      const counters = new Map<string, CounterRow>(rows.map((r) => [r.id, toCounters(r)]));
      for (const w of writes) if (!counters.has(w.exposeId)) throw new Error(`writeVotes: expose ${w.exposeId} vanished inside its transaction`);
      return counters;
    },
  };
}

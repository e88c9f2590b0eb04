import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { CounterRow, GrantedVoteChange, IpGrant, WriteQueries } from './port';
import { boolArray, intArray, smallintArray, textArray, toCounters, ts, type RawCounters } from './sql-helpers';
import { cmp } from './vote-queries';

/**
 * Votes, step 2 with the free-vote grant folded in (one statement instead of two per batch, which
 * cost votes spread over many exposes 22-30 % more CPU), for a batch spanning any number of
 * exposes: the capped upsert of `ip_expose_counts` in (expose, IP identity) order (see
 * vote-queries.ts grantIpVotes), the vote rows with `counted` decided from what it granted (the
 * first `granted` asking changes of each (expose, IP identity), by `rank`), then the exposes' row
 * locks in id order and the counter deltas summed per expose from the same rows (the lock order of
 * vote-queries.ts). The rows are addressed as in writeVotes (locked in step 1).
 */
export function voteGrantQueries(db: SqlExecutor): Pick<WriteQueries, 'writeVotesGranted'> {
  return {
    async writeVotesGranted(writes, grant, opts) {
      const wanted = new Map<string, { exposeId: string; ipKey: string; n: number }>();
      for (const w of writes)
        for (const c of w.changes) {
          if (!c.asks) continue;
          const key = `${w.exposeId}\n${c.ipKey}`;
          const x = wanted.get(key) ?? { exposeId: w.exposeId, ipKey: c.ipKey, n: 0 };
          x.n++;
          wanted.set(key, x);
        }
      const keys = [...wanted.values()].sort((a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.ipKey, b.ipKey));
      const changes = writes.flatMap((w) => w.changes.map((c) => ({ ...c, exposeId: w.exposeId })));
      const col = <T>(pick: (c: GrantedVoteChange & { exposeId: string }) => T) => changes.map(pick);
      const ids = [...new Set(writes.map((w) => w.exposeId))].sort(cmp);
      const rows = await db.rows<RawCounters & { id: string; counted_ids: string[] | null; grants: Record<string, [number, number]> | null }>(sql`
        with g as (
          insert into ip_expose_counts (expose_id, ip_key, day, votes, granted)
          select r.expose_id, r.ip_key, ${grant.day}, least(r.n, ${grant.cap}::int), least(r.n, ${grant.cap}::int)
          from unnest(${textArray(keys.map((k) => k.exposeId))}, ${textArray(keys.map((k) => k.ipKey))}, ${intArray(keys.map((k) => k.n))})
            with ordinality as r(expose_id, ip_key, n, i)
          order by r.i
          on conflict (expose_id, ip_key, day) do update set
            votes = greatest(ip_expose_counts.votes, least(ip_expose_counts.votes + excluded.votes, ${grant.cap}::int)),
            granted = greatest(0, least(ip_expose_counts.votes + excluded.votes, ${grant.cap}::int) - ip_expose_counts.votes)
          returning expose_id, ip_key, granted, votes
        ),
        -- All of g, aggregated: reading it whole here runs every grant (locking the identities'
        -- rows) before lk below can lock any expose.
        ga as (
          select coalesce(jsonb_object_agg(expose_id || E'\\n' || ip_key, granted), '{}'::jsonb) as m from g
        ),
        c as (
          select u.expose_id, u.session_id, u.value, u.before,
            case when u.asks then u.rank <= coalesce((ga.m ->> (u.expose_id || E'\\n' || u.ip_key))::int, 0) else u.counted end as counted
          from ga, unnest(${textArray(col((c) => c.exposeId))}, ${textArray(col((c) => c.sessionId))}, ${smallintArray(col((c) => c.value))},
            ${smallintArray(col((c) => c.before))}, ${boolArray(col((c) => c.asks))}, ${textArray(col((c) => c.ipKey))},
            ${intArray(col((c) => c.rank))}, ${boolArray(col((c) => c.counted))})
            as u(expose_id, session_id, value, before, asks, ip_key, rank, counted)
        ),
        changed as (
          update votes set value = c.value, counted = c.counted, updated_at = ${ts(opts.now)}
          from c
          cross join lateral (
            select ctid as row_id from votes where expose_id = c.expose_id and session_id = c.session_id limit 1
          ) r
          where votes.ctid = r.row_id
          returning 1
        ),
        d as (
          select x.id as expose_id,
            coalesce(sum((c.counted and c.value = 1)::int - (c.before = 1)::int), 0) as up,
            coalesce(sum((c.counted and c.value = -1)::int - (c.before = -1)::int), 0) as down,
            array_agg(c.session_id) filter (where c.counted) as counted_ids
          from unnest(${textArray(ids)}) as x(id) left join c on c.expose_id = x.id
          group by x.id
        ),
        -- The exposes' row locks in id order, all taken (the InitPlan below) before the UPDATE
        -- touches any expose, whatever join order the planner picks, and after every grant (lk
        -- reads d, d all of c, c all of g through ga).
        lk as (
          select id from exposes where id in (select expose_id from d) order by id for no key update
        )
        update exposes set
          upvotes = upvotes + d.up::bigint,
          downvotes = downvotes + d.down::bigint,
          version = version + 1
        from d
        where exposes.id = d.expose_id and (select count(*) from lk) >= 0
        returning exposes.id, exposes.views, exposes.comments, exposes.upvotes, exposes.downvotes, exposes.shares, exposes.version,
          d.counted_ids,
          (select json_object_agg(g.ip_key, json_build_array(g.granted, g.votes)) from g where g.expose_id = exposes.id) as grants`);
      const out = new Map<string, { counters: CounterRow; counted: Set<string>; grants: Map<string, IpGrant> }>();
      for (const row of rows) {
        const grants = new Map<string, IpGrant>(Object.entries(row.grants ?? {}).map(([k, [granted, total]]) => [k, { granted: Number(granted), total: Number(total) }]));
        out.set(row.id, { counters: toCounters(row), counted: new Set(row.counted_ids ?? []), grants });
      }
      for (const id of ids) if (!out.has(id)) throw new Error(`writeVotesGranted: expose ${id} vanished inside its transaction`);
      return out;
    },
  };
}

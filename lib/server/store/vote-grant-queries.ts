import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { GrantedVoteChange, IpGrant, WriteQueries } from './port';
import { COUNTER_COLUMNS, boolArray, intArray, smallintArray, textArray, toCounters, ts, type RawCounters } from './sql-helpers';

/**
 * Votes, step 2 with the free-vote grant folded in (one statement instead of two per batch, which
 * cost votes spread over many exposes 22-30 % more CPU): the capped upsert of `ip_expose_counts`
 * (see vote-queries.ts grantIpVotes), the vote rows with `counted` decided from what it granted (the
 * first `granted` asking changes of each IP identity, by `rank`), and the counter deltas summed
 * from the same rows. The rows are addressed as in writeVotes (locked in step 1).
 */
export function voteGrantQueries(db: SqlExecutor): Pick<WriteQueries, 'writeVotesGranted'> {
  return {
    async writeVotesGranted(exposeId, changes, grant, opts) {
      const wanted = new Map<string, number>();
      for (const c of changes) if (c.asks) wanted.set(c.ipKey, (wanted.get(c.ipKey) ?? 0) + 1);
      const keys = [...wanted.keys()].sort();
      const col = <T>(pick: (c: GrantedVoteChange) => T) => changes.map(pick);
      const rows = await db.rows<RawCounters & { counted_ids: string[] | null; grants: Record<string, [number, number]> | null }>(sql`
        with g as (
          insert into ip_expose_counts (expose_id, ip_key, day, votes, granted)
          select ${exposeId}, r.ip_key, ${grant.day}, least(r.n, ${grant.cap}::int), least(r.n, ${grant.cap}::int)
          from unnest(${textArray(keys)}, ${intArray(keys.map((k) => wanted.get(k)!))}) as r(ip_key, n)
          order by r.ip_key
          on conflict (expose_id, ip_key, day) do update set
            votes = greatest(ip_expose_counts.votes, least(ip_expose_counts.votes + excluded.votes, ${grant.cap}::int)),
            granted = greatest(0, least(ip_expose_counts.votes + excluded.votes, ${grant.cap}::int) - ip_expose_counts.votes)
          returning ip_key, granted, votes
        ),
        c as (
          select u.session_id, u.value, u.before,
            case when u.asks then u.rank <= coalesce((select g.granted from g where g.ip_key = u.ip_key), 0) else u.counted end as counted
          from unnest(${textArray(col((c) => c.sessionId))}, ${smallintArray(col((c) => c.value))}, ${smallintArray(col((c) => c.before))},
            ${boolArray(col((c) => c.asks))}, ${textArray(col((c) => c.ipKey))}, ${intArray(col((c) => c.rank))},
            ${boolArray(col((c) => c.counted))}) as u(session_id, value, before, asks, ip_key, rank, counted)
        ),
        changed as (
          update votes set value = c.value, counted = c.counted, updated_at = ${ts(opts.now)}
          from c
          cross join lateral (
            select ctid as row_id from votes where expose_id = ${exposeId} and session_id = c.session_id limit 1
          ) r
          where votes.ctid = r.row_id
          returning 1
        )
        update exposes set
          upvotes = upvotes + (select coalesce(sum((c.counted and c.value = 1)::int - (c.before = 1)::int), 0) from c),
          downvotes = downvotes + (select coalesce(sum((c.counted and c.value = -1)::int - (c.before = -1)::int), 0) from c),
          version = version + 1
        where id = ${exposeId}
        returning ${COUNTER_COLUMNS},
          (select array_agg(c.session_id) from c where c.counted) as counted_ids,
          (select json_object_agg(g.ip_key, json_build_array(g.granted, g.votes)) from g) as grants`);
      const row = rows[0];
      if (!row) throw new Error(`writeVotesGranted: expose ${exposeId} vanished inside its transaction`);
      const grants = new Map<string, IpGrant>(Object.entries(row.grants ?? {}).map(([k, [granted, total]]) => [k, { granted: Number(granted), total: Number(total) }]));
      return { counters: toCounters(row), counted: new Set(row.counted_ids ?? []), grants };
    },
  };
}

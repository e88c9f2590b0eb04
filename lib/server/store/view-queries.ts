import { sql } from 'drizzle-orm';
import type { SqlExecutor } from './database';
import type { ExposeViewOp, ViewBatchResult, ViewOp, ViewWriteOptions, WriteQueries } from './port';
import { engagementRow, engagementUpsert, minuteOf } from './analytics-queries';
import { COUNTER_COLUMNS, textArray, toWriteResult, ts, type RawWriteRow } from './sql-helpers';

const utcDay = (d: Date): string => d.toISOString().slice(0, 10);
const previousDay = (day: string): string => utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000));

/**
 * One statement per batch, for views of any number of exposes. A viewer is counted when its dedup
 * row is inserted, or an expired one revived (ON CONFLICT … WHERE expires_at <= now); a live row
 * under today's or yesterday's hash means "seen". Concurrent requests of one viewer meet on the
 * primary key: the second waits for the first to commit and then finds the row, so at most one of
 * them is counted.
 *
 * Locks: de-dup rows are written in (expose, hash) order, then the IP identities' rows in
 * (expose, IP identity) order, then the exposes' rows in id order with the same FOR NO KEY UPDATE
 * lock as every other counter write, then the engagement minute rows (the lock order of
 * store/vote-queries.ts, which batches of votes follow too). An explicit `FOR UPDATE` on the
 * exposes was tried and removed: it conflicted with the KEY SHARE locks of foreign-key checks.
 */
export function viewQueries(db: SqlExecutor): Pick<WriteQueries, 'applyViews' | 'applyViewsAcross'> {
  async function applyViewsAcross(ops: readonly ExposeViewOp[], opts: ViewWriteOptions): Promise<ViewBatchResult> {
    // One row per (expose, hash) (ON CONFLICT may not touch a row twice), sorted so batches lock in one order.
    const byKey = new Map<string, ExposeViewOp>();
    for (const op of ops) {
      const key = `${op.exposeId}\n${op.viewerHash}`;
      if (!byKey.has(key)) byKey.set(key, op);
    }
    const inputs = [...byKey.values()].sort((a, b) => cmp(a.exposeId, b.exposeId) || cmp(a.viewerHash, b.viewerHash));
    const pairs = [...new Map(ops.map((o) => [`${o.exposeId}\n${o.sessionId}`, o])).values()];
    const hasCap = opts.ipCap !== undefined;
    const today = utcDay(opts.now);
    const cap = opts.ipCap?.max ?? 0;
    const rows = await db.rows<RawWriteRow & { id: string; counted: string[] | null; grants: Record<string, number> | null }>(sql`
      with e as (
        select id, ${COUNTER_COLUMNS}, (expires_at is null or expires_at > ${ts(opts.now)}) as open
        from exposes where id = any(${textArray([...new Set(ops.map((o) => o.exposeId))])})
      ),
      inp as (
        select * from unnest(${textArray(inputs.map((o) => o.exposeId))}, ${textArray(inputs.map((o) => o.viewerHash))},
          ${textArray(inputs.map((o) => o.previousHash))}, ${textArray(inputs.map((o) => o.ipKey ?? ''))},
          ${textArray(inputs.map((o) => o.day ?? today))}, ${textArray(inputs.map((o) => previousDay(o.day ?? today)))})
          with ordinality as i(expose_id, hash, prev, ip_key, day, prev_day, n)
      ),
      ins as (
        insert into view_dedup (expose_id, viewer_hash, day, expires_at)
        select e.id, i.hash, i.day, ${ts(opts.until)}
        from inp i
        join e on e.id = i.expose_id
        where e.open and (i.prev is null or not exists (
          select 1 from view_dedup d
          where d.expose_id = e.id and d.viewer_hash = i.prev and d.day = i.prev_day and d.expires_at > ${ts(opts.now)}))
        order by i.n
        on conflict (expose_id, viewer_hash, day) do update set expires_at = excluded.expires_at
          where view_dedup.expires_at <= ${ts(opts.now)}
        returning expose_id, viewer_hash
      ),
      -- New viewers per IP identity, then the capped upsert: in SET the row's old value is
      -- ip_expose_counts.views (locked by ON CONFLICT until commit), so "granted" is exactly what
      -- this statement added and concurrent batches never pass the cap between them.
      wanted as (
        select i.expose_id, i.ip_key, count(*)::int as n
        from ins join inp i on i.expose_id = ins.expose_id and i.hash = ins.viewer_hash
        group by i.expose_id, i.ip_key
      ),
      grants as (
        insert into ip_expose_counts (expose_id, ip_key, day, views, granted)
        select expose_id, ip_key, ${opts.ipCap?.day ?? ''}, least(n, ${cap}::int), least(n, ${cap}::int)
        from wanted where ${hasCap}::boolean order by expose_id, ip_key
        on conflict (expose_id, ip_key, day) do update set
          views = least(ip_expose_counts.views + excluded.views, ${cap}::int),
          granted = greatest(0, least(ip_expose_counts.views + excluded.views, ${cap}::int) - ip_expose_counts.views)
        returning expose_id, ip_key, granted
      ),
      granted as (
        select expose_id, sum(granted)::int as n, json_object_agg(ip_key, granted) as grants from grants group by expose_id
        union all
        select expose_id, sum(n)::int, json_object_agg(ip_key, n) from wanted where not ${hasCap}::boolean group by expose_id
      ),
      counted as (
        select expose_id, array_agg(viewer_hash) as hashes from ins group by expose_id
      ),
      -- The exposes' row locks in id order, last and all before the UPDATE touches any of them
      -- (the InitPlan below), as in every write (store/vote-queries.ts "Lock order").
      lk as (
        select id from exposes where id in (select expose_id from granted where n > 0) order by id for no key update
      ),
      ctr as (
        update exposes set views = views + g.n, version = version + 1
        from granted g where exposes.id = g.expose_id and g.n > 0 and (select count(*) from lk) >= 0
        returning exposes.id, ${sql.raw('exposes.views, exposes.comments, exposes.upvotes, exposes.downvotes, exposes.shares, exposes.version')}
      ),
      -- Engagement history: the views counted per expose, added to its minute (analytics-queries.ts).
      eng as (${engagementUpsert(minuteOf(opts.now), sql`select ${engagementRow(sql`c.id`, 'views', sql`g.n`)} from ctr c join granted g on g.expose_id = c.id`)}),
      -- The sessions' votes, one primary-key probe per (expose, session) of the batch (the LIMIT
      -- keeps the LATERAL from being flattened into a scan of a hot expose's votes).
      my as (
        select s.expose_id, json_object_agg(v.session_id, v.value) as votes
        from unnest(${textArray(pairs.map((o) => o.exposeId))}, ${textArray(pairs.map((o) => o.sessionId))}) as s(expose_id, session_id)
        cross join lateral (
          select session_id, value from votes where expose_id = s.expose_id and session_id = s.session_id limit 1
        ) v
        group by s.expose_id
      )
      select e.id, e.open,
        coalesce(c.views, e.views) as views, coalesce(c.comments, e.comments) as comments,
        coalesce(c.upvotes, e.upvotes) as upvotes, coalesce(c.downvotes, e.downvotes) as downvotes,
        coalesce(c.shares, e.shares) as shares, coalesce(c.version, e.version) as version,
        my.votes as my_votes, n.hashes as counted, g.grants
      from e left join ctr c on c.id = e.id left join my on my.expose_id = e.id left join counted n on n.expose_id = e.id
        left join granted g on g.expose_id = e.id`);
    const exposes = new Map(rows.map((r) => [r.id, toWriteResult(r)]));
    const inserted = new Set(rows.flatMap((r) => (r.counted ?? []).map((h) => `${r.id}\n${h}`)));
    const grants = new Map(rows.flatMap((r) => Object.entries(r.grants ?? {}).map(([ip, n]) => [`${r.id}\n${ip}`, Number(n)])));
    // Of several ops with one (expose, hash) in a batch, only the first is a new viewer; a new
    // viewer counts while its IP identity's grant lasts (in batch order), else it is over the cap.
    const overCap: boolean[] = [];
    const counted = ops.map((op, i) => {
      overCap[i] = false;
      if (!inserted.delete(`${op.exposeId}\n${op.viewerHash}`)) return false;
      const key = `${op.exposeId}\n${op.ipKey ?? ''}`;
      const left = grants.get(key) ?? 0;
      if (left > 0) grants.set(key, left - 1);
      else overCap[i] = true;
      return left > 0;
    });
    return { exposes, counted, capped: overCap };
  }

  return {
    applyViewsAcross,
    async applyViews(exposeId: string, ops: readonly ViewOp[], opts: ViewWriteOptions) {
      const r = await applyViewsAcross(
        ops.map((op) => ({ ...op, exposeId })),
        opts,
      );
      const expose = r.exposes.get(exposeId);
      return expose ? { ...expose, counted: r.counted } : null;
    },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

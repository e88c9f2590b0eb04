import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { maintenanceCutoffs } from '@/lib/server/domain/maintenance';
import { applyVoteBatch } from '@/lib/server/domain/record-vote';
import type { Database, SqlExecutor } from '@/lib/server/store/database';
import { createStore } from '@/lib/server/store/open-store';

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every query the app runs, on a generated data set. The queries are
 * not copies: the real store methods run over a recording Database, and the recorded text and
 * parameters are explained afterwards, each inside a transaction that is rolled back.
 */

/** Row counts of the generated data set; `scale` 1 = 100k exposes, 1M view_dedup rows. */
export function dataSize(scale: number) {
  const n = (x: number) => Math.max(100, Math.round(x * scale));
  return {
    exposes: n(100_000),
    viewDedup: n(1_000_000),
    votes: n(300_000),
    comments: n(200_000),
    shares: n(100_000),
    idempotencyKeys: n(200_000),
  };
}

/** Ids of the five newest exposes: they carry the comments and a fifth of the views (hot exposes). */
export const HOT = 'x0000001';
const id = (expr: string) => `'x' || lpad((${expr})::text, 7, '0')`;

/**
 * The data: newest exposes first every 7 s; 10 % expired, 10 % expiring tomorrow. A fifth of the
 * view de-dup rows and of the votes belong to the newest (hot) expose. View de-dup rows
 * expire over the next 24 h with ~6 % already expired (the backlog of one maintenance run); 0.7 %
 * of idempotency keys are past their 24 h. Comments sit on the five newest exposes.
 */
export async function generateData(client: pg.ClientBase, scale: number): Promise<void> {
  const s = dataSize(scale);
  const statements = [
    `insert into exposes (id, title, body, created_at, expires_at, views, comments, upvotes, downvotes, shares, version)
     select ${id('i')}, 'title ' || i, repeat('body text ', 20),
       date_trunc('milliseconds', now()) - i * interval '7 seconds',
       case when i % 10 = 3 then now() - (i % 48 + 1) * interval '1 hour'
            when i % 10 = 4 then now() + interval '1 day' end,
       (i * 37) % 1000, 0, (i * 13) % 100, (i * 7) % 20, (i * 3) % 10, i % 50
     from generate_series(1, ${s.exposes}) i`,
    `insert into view_dedup (expose_id, viewer_hash, expires_at, day)
     select expose_id, hash, expires_at, to_char((expires_at - interval '1 day') at time zone 'UTC', 'YYYY-MM-DD')
     from (select case when g % 5 = 0 then '${HOT}' else ${id(`1 + g % ${s.exposes}`)} end as expose_id, md5(g::text) as hash,
       now() + ((g % 100) - 5) * interval '15 minutes' as expires_at
     from generate_series(1, ${s.viewDedup}) g) r`,
    `insert into votes (expose_id, session_id, value, updated_at)
     select case when g % 5 = 0 then '${HOT}' else ${id(`1 + g % ${s.exposes}`)} end,
       case when g % 5 = 0 then 'h' || g else 's' || (g % ${Math.max(1, Math.round(s.votes / 5))}) end, (g % 3) - 1, now()
     from generate_series(1, ${s.votes}) g
     on conflict do nothing`,
    `insert into comments (id, expose_id, body, author_name, created_at)
     select 'c' || g, ${id('1 + g % 5')}, 'comment ' || g, 'author',
       date_trunc('milliseconds', now()) - g * interval '1 second'
     from generate_series(1, ${s.comments}) g`,
    `insert into shares (expose_id, channel, created_at)
     select ${id(`1 + g % ${s.exposes}`)}, 'copy', now() - g * interval '1 second'
     from generate_series(1, ${s.shares}) g`,
    `insert into idempotency_keys (session_id, scope, key, fingerprint, status_code, response, created_at, day)
     select 's' || g, 'share', 'k' || g, 'f', 200, '{}'::jsonb, created_at, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')
     from (select g, now() - (g % 1450) * interval '1 minute' as created_at from generate_series(1, ${s.idempotencyKeys}) g) r`,
    // Engagement history: 50 exposes active in every minute of the last 49 h (the last hour past
    // the 48 h rollup cutoff), hour rows for 50 exposes over 90 days, client rows per minute and kind.
    `insert into engagement_minutes (expose_id, minute, views, upvotes, downvotes, shares, comments)
     select ${id('1 + (m * 7 + e) % 500')}, date_trunc('minute', now()) - m * interval '1 minute', 3, 1, 0, 0, e % 2
     from generate_series(0, ${Math.round(49 * 60 * Math.min(1, scale * 50))}) m, generate_series(0, 49) e
     on conflict do nothing`,
    `insert into engagement_hours (expose_id, hour, views, upvotes, downvotes, shares, comments)
     select ${id('1 + (h * 3 + e) % 500')}, date_trunc('hour', now()) - (48 + h) * interval '1 hour', 100, 10, 2, 1, 3
     from generate_series(0, ${Math.round(90 * 24 * Math.min(1, scale * 50))}) h, generate_series(0, 49) e
     on conflict do nothing`,
    `insert into client_minutes (minute, kind, operations, acknowledged, attempts, lat_100, lat_250)
     select date_trunc('minute', now()) - m * interval '1 minute', k, 20, 19, 21, 15, 4
     from generate_series(0, 49 * 60) m, unnest(array['vote', 'view', 'share', 'comment']) k`,
    `insert into view_salts (day, salt, created_at)
     select to_char(now() - d * interval '1 day', 'YYYY-MM-DD'), md5(d::text), now() - d * interval '1 day'
     from generate_series(0, 2) d`,
  ];
  for (const text of statements) await client.query(text);
  await client.query('vacuum analyze');
}

export interface RecordedQuery {
  label: string;
  text: string;
  values: unknown[];
}

const dialect = new PgDialect();

/**
 * A Database over one client inside an open transaction (its `transaction` is a savepoint) that
 * records every query the first time its text is seen, under the current label. The caller rolls
 * the whole run back, so the writes are explained against the data as generated.
 */
export function recordingDatabase(client: pg.ClientBase) {
  const recorded: RecordedQuery[] = [];
  const seen = new Set<string>();
  let label = '';
  const executor: SqlExecutor = {
    rows: async <T>(query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      if (!seen.has(text)) {
        seen.add(text);
        recorded.push({ label, text, values: params });
      }
      return (await client.query({ text, values: params })).rows as T[];
    },
  };
  const db: Database = {
    kind: 'postgres',
    ...executor,
    async transaction(fn) {
      await client.query('savepoint tx');
      try {
        const result = await fn(executor);
        await client.query('release savepoint tx');
        return result;
      } catch (err) {
        await client.query('rollback to savepoint tx');
        throw err;
      }
    },
    close: async () => {},
  };
  return {
    db,
    recorded,
    as<T>(name: string, work: () => Promise<T>): Promise<T> {
      label = name;
      return work();
    },
  };
}

/** Runs every store query the app has, as the app calls them, against the generated data. */
export async function recordAppQueries(client: pg.ClientBase, scale: number): Promise<RecordedQuery[]> {
  await client.query('begin');
  try {
    return await runAppQueries(client, scale);
  } finally {
    await client.query('rollback');
  }
}

async function runAppQueries(client: pg.ClientBase, scale: number): Promise<RecordedQuery[]> {
  const rec = recordingDatabase(client);
  const store = createStore(rec.db);
  const s = dataSize(scale);
  const now = new Date();
  const ids = Array.from({ length: 50 }, (_, i) => `x${String(i + 1).padStart(7, '0')}`);
  const session = 's7';
  const deep = `x${String(Math.round(s.exposes / 2)).padStart(7, '0')}`;
  const deepRow = (await rec.as('findExpose', () => store.findExpose(deep)))!;

  await rec.as('health ping', () => store.ping());
  await rec.as('feed page (first)', () => store.listFeed({ now, limit: 51 }));
  await rec.as('feed page (cursor, middle of the feed)', () =>
    store.listFeed({ now, limit: 51, after: { createdAt: deepRow.createdAt, id: deepRow.id } }),
  );
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const hotRow = (await rec.as('feed page: hot (first)', () => store.listFeed({ now, limit: 51, order: { sort: 'hot' } }))).at(-1)!;
  await rec.as('feed page: hot (cursor)', () =>
    store.listFeed({ now, limit: 51, order: { sort: 'hot' }, after: { createdAt: hotRow.createdAt, id: hotRow.id, hotRank: hotRow.hotRank } }),
  );
  await rec.as('feed page: top, all time (first)', () => store.listFeed({ now, limit: 51, order: { sort: 'top', since: null } }));
  await rec.as('feed page: top, all time (cursor)', () =>
    store.listFeed({ now, limit: 51, order: { sort: 'top', since: null }, after: { createdAt: deepRow.createdAt, id: deepRow.id, netVotes: deepRow.upvotes - deepRow.downvotes } }),
  );
  // The week's statement is the day's with another parameter: one recorded plan serves both.
  await rec.as('feed top of the day (first)', () => store.listFeed({ now, limit: 51, order: { sort: 'top', since: dayAgo } }));
  await rec.as("feed: the session's votes on a page (findVotes)", () => store.findVotes(session, ids));
  await rec.as('metrics by ids (50)', () => store.findMetrics(ids, session));
  await rec.as('comments page (first)', () => store.listComments(HOT, { limit: 20 }));
  const deepComment = (await store.listComments(HOT, { limit: 1 }))[0]!;
  await rec.as('comments page (cursor)', () =>
    store.listComments(HOT, { limit: 20, after: { createdAt: new Date(deepComment.createdAt.getTime() - 3_000_000), id: 'c' } }),
  );
  const views = Array.from({ length: 50 }, (_, i) => ({ sessionId: `vs${i}`, viewerHash: `vh${i}`, previousHash: `vp${i}` }));
  await rec.as('views batch (50 viewers, hot expose)', () =>
    store.applyViews(HOT, views, { now, until: new Date(now.getTime() + 86_400_000) }),
  );
  const votes = Array.from({ length: 50 }, (_, i) => ({ sessionId: `s${i}`, value: (i % 2 ? 1 : -1) as 1 | -1 }));
  await rec.as('votes batch (50 sessions, hot expose)', () => applyVoteBatch({ store, now: () => now }, HOT, votes));
  await rec.as('shares', () => store.applyShares(HOT, [{ sessionId: session, channel: 'copy' }], { now }));
  await rec.as('comments insert', () =>
    store.insertComments(HOT, [{ id: 'plan-c1', sessionId: session, body: 'b', authorName: 'a' }], { now }),
  );
  const ref = { sessionId: 'plan-s', scope: 'share', key: 'plan-k' };
  const claim = () => store.transaction((tx) => tx.claimIdempotencyKey(ref, 'fp', { now, waitMs: 1_500 }));
  await rec.as('idempotency claim', claim);
  await rec.as('idempotency finish', () =>
    store.transaction((tx) => tx.completeIdempotencyKey(ref, { statusCode: 200, response: { ok: true } })),
  );
  await rec.as('idempotency claim (key exists: replay)', claim);
  const cutoffs = maintenanceCutoffs(now);
  await rec.as('maintenance deletions', () => store.deleteExpired(cutoffs.expired));
  await rec.as('history rollup (maintenance)', () => store.rollupHistory(cutoffs.history));
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const next = new Date(now.getTime() + 60_000);
  await rec.as('dashboard: events, last hour', () => store.engagementSeries({ from: ago(3_600_000), to: next, bucketSec: 60 }));
  await rec.as('dashboard: events, 30 days', () => store.engagementSeries({ from: ago(30 * 86_400_000), to: next, bucketSec: 3600 }));
  await rec.as('dashboard: one expose, 30 days', () =>
    store.engagementSeries({ from: ago(30 * 86_400_000), to: next, bucketSec: 3600, exposeId: 'x0000003' }),
  );
  await rec.as('dashboard: top exposes', () => store.topExposes({ now }));
  await rec.as('dashboard: client reliability, last hour', () => store.clientStats({ from: ago(3_600_000), to: next, bucketSec: 60 }));
  await rec.as('dashboard: dropped writes of one expose', () => store.dropSeries({ from: ago(86_400_000), exposeId: 'x0000003' }));
  await rec.as('telemetry batch (client rows)', () =>
    store.addClientStats([
      { at: now, kind: 'vote', operations: 3, acknowledged: 2, rolledBack: 1, dropped: 0, attempts: 5, retries: 2, timeouts: 1, exhausted: 1, errors: 0, latency: [1, 1, 0, 0, 0, 0, 0, 0] },
    ]),
  );
  const day = now.toISOString().slice(0, 10);
  await rec.as('salts', () => store.ensureSalt(day, 'candidate', { now }));
  await rec.as('startup: seed check (countExposes)', () => store.countExposes());
  return rec.recorded;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Conflict Arbiter Indexes'?: string[];
  'CTE Name'?: string;
  'Subplan Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Index Cond'?: string;
  Filter?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface ExplainResult {
  query: RecordedQuery;
  mode: 'custom' | 'generic';
  executionMs: number;
  planningMs: number;
  indexes: string[];
  seqScans: { relation: string; rows: number; removed: number }[];
  buffers: { hit: number; read: number };
  tree: string;
}

function walk(node: PlanNode, depth: number, out: { lines: string[]; indexes: Set<string>; seq: ExplainResult['seqScans'] }) {
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : node['CTE Name'] ? ` on ${node['CTE Name']}` : '';
  const arbiters = node['Conflict Arbiter Indexes']?.length ? ` (on conflict: ${node['Conflict Arbiter Indexes'].join(', ')})` : '';
  const using = node['Index Name'] ? ` using ${node['Index Name']}` : arbiters;
  const sub = node['Subplan Name'] ? ` [${node['Subplan Name']}]` : '';
  const rows = `rows=${node['Actual Rows'] ?? '?'}${(node['Actual Loops'] ?? 1) > 1 ? ` loops=${node['Actual Loops']}` : ''}`;
  const cond = node['Index Cond'] ? ` cond: ${node['Index Cond']}` : '';
  const filter = node.Filter ? ` filter: ${node.Filter}${node['Rows Removed by Filter'] ? ` (removed ${node['Rows Removed by Filter']})` : ''}` : '';
  out.lines.push(`${'  '.repeat(depth)}${node['Node Type']}${using}${on}${sub} (${rows})${cond}${filter}`);
  if (node['Index Name']) out.indexes.add(node['Index Name']);
  for (const arbiter of node['Conflict Arbiter Indexes'] ?? []) out.indexes.add(arbiter);
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
    out.seq.push({
      relation: node['Relation Name'],
      rows: (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1),
      removed: node['Rows Removed by Filter'] ?? 0,
    });
  }
  for (const child of node.Plans ?? []) walk(child, depth + 1, out);
}

/** A parameter value as an SQL literal (strings, numbers, null, and flat arrays of those). */
function literal(client: pg.ClientBase, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) {
    const items = v.map((x) => (x === null ? 'NULL' : `"${String(x).replace(/[\\"]/g, '\\$&')}"`));
    return client.escapeLiteral(`{${items.join(',')}}`);
  }
  return client.escapeLiteral(String(v));
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) one recorded query inside a rolled-back transaction. `custom` plans
 * with the parameter values (what the first executions of a prepared statement get); `generic`
 * forces the plan PostgreSQL may cache for a prepared statement after five executions.
 */
export async function explain(client: pg.ClientBase, query: RecordedQuery, mode: 'custom' | 'generic'): Promise<ExplainResult> {
  await client.query('begin');
  try {
    let raw: unknown;
    const opts = 'analyze, buffers, format json';
    if (mode === 'custom') {
      await client.query('set local plan_cache_mode = force_custom_plan');
      raw = (await client.query<{ 'QUERY PLAN': unknown }>(`explain (${opts}) ${query.text}`, query.values)).rows[0]!['QUERY PLAN'];
    } else {
      await client.query('set local plan_cache_mode = force_generic_plan');
      await client.query(`prepare ec_plan as ${query.text}`);
      // EXECUTE takes no bind parameters: its arguments go in as literals.
      const args = query.values.map((v) => literal(client, v)).join(', ');
      raw = (await client.query<{ 'QUERY PLAN': unknown }>(`explain (${opts}) execute ec_plan${args ? `(${args})` : ''}`)).rows[0]![
        'QUERY PLAN'
      ];
    }
    const top = (raw as { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }[])[0]!;
    const out = { lines: [] as string[], indexes: new Set<string>(), seq: [] as ExplainResult['seqScans'] };
    walk(top.Plan, 0, out);
    return {
      query,
      mode,
      executionMs: top['Execution Time'],
      planningMs: top['Planning Time'] ?? 0,
      indexes: [...out.indexes].sort(),
      seqScans: out.seq,
      buffers: { hit: top.Plan['Shared Hit Blocks'] ?? 0, read: top.Plan['Shared Read Blocks'] ?? 0 },
      tree: out.lines.join('\n'),
    };
  } finally {
    await client.query('rollback');
    if (mode === 'generic') await client.query('deallocate all');
  }
}

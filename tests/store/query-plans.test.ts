import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, generateData, recordAppQueries, type ExplainResult, type RecordedQuery } from '@/bench/query-plans';
import { testDatabases } from '../helpers/databases';

const postgres = testDatabases().find((d) => d.name === 'postgres');

/**
 * The index each key query must be served by (bench/query-plans.ts labels them). View de-dup rows
 * and idempotency keys are partitioned by day on PostgreSQL (migration 0011_partitions): their index may be
 * the parent's (an ON CONFLICT arbiter) or a day's or the DEFAULT partition's own copy of it.
 */
const partitioned = (table: string, parent: string, column: string) =>
  new RegExp(`^(${parent}|${table}_(p\\d{8}|default)_${column})$`);
const EXPECTED: [label: string, index: string | RegExp][] = [
  ['findExpose', 'exposes_pkey'],
  ['feed page (first)', 'exposes_feed_idx'],
  ['feed page (cursor, middle of the feed)', 'exposes_feed_idx'],
  ["feed: the session's votes on a page (findVotes)", 'votes_expose_id_session_id_pk'],
  ['feed page: hot (first)', 'exposes_hot_idx'],
  ['feed page: hot (cursor)', 'exposes_hot_idx'],
  ['feed page: top, all time (first)', 'exposes_top_idx'],
  ['feed page: top, all time (cursor)', 'exposes_top_idx'],
  ['metrics by ids (50)', 'exposes_pkey'],
  ['comments page (first)', 'comments_page_idx'],
  ['comments page (cursor)', 'comments_page_idx'],
  ['views batch (50 viewers, hot expose)', partitioned('view_dedup', 'view_dedup_expose_id_viewer_hash_day_pk', 'pkey')],
  ['votes batch (50 sessions, hot expose)', 'votes_expose_id_session_id_pk'],
  ['idempotency claim', partitioned('idempotency_keys', 'idempotency_keys_session_id_scope_key_day_pk', 'pkey')],
  ['idempotency claim (key exists: replay)', partitioned('idempotency_keys', 'idempotency_keys_session_id_scope_key_day_pk', 'pkey')],
  ['maintenance deletions', partitioned('view_dedup', 'view_dedup_expires_idx', 'expires_at_idx')],
  ['maintenance deletions', partitioned('idempotency_keys', 'idempotency_keys_created_idx', 'created_at_idx')],
  // Minute rows on PostgreSQL are day partitions (0012): the rollup's row deletes read only DEFAULT.
  ['history rollup (maintenance)', partitioned('engagement_minutes', 'engagement_minutes_minute_idx', 'minute_idx')],
  ['history rollup (maintenance)', 'engagement_hours_hour_idx'],
  ['dashboard: events, last hour', partitioned('engagement_minutes', 'engagement_minutes_minute_idx', 'minute_idx')],
  // The 30-day series is the same statement with other parameters (recorded once, under the hour).
  ['dashboard: events, last hour', 'engagement_hours_hour_idx'],
  ['dashboard: one expose, 30 days', partitioned('engagement_minutes', 'engagement_minutes_expose_id_minute_pk', 'pkey')],
  ['dashboard: one expose, 30 days', 'engagement_hours_expose_id_hour_pk'],
  ['dashboard: top exposes', partitioned('engagement_minutes', 'engagement_minutes_minute_idx', 'minute_idx')],
  ['dashboard: client reliability, last hour', partitioned('client_minutes', 'client_minutes_minute_kind_pk', 'pkey')],
];
const SORT_FREE = /^(feed page|comments page|maintenance)/;
const BIG_TABLES = ['exposes', 'votes', 'view_dedup', 'comments', 'shares', 'idempotency_keys', 'engagement_minutes', 'engagement_hours', 'client_minutes'];

/**
 * Whether the indexes CAN serve each query, independent of table sizes and cost estimates: with
 * sequential scans and sorts priced out, a plan still holding one (or missing the index) means no
 * index fits, e.g. the feed index built DESC NULLS LAST under `order by created_at desc`.
 * Both the custom and the generic plan (what a prepared statement settles on) are checked.
 */
describe.skipIf(!postgres)('query plans on PostgreSQL', () => {
  let client: pg.Client;
  let queries: RecordedQuery[];
  beforeAll(async () => {
    await postgres!.open(); // creates and migrates the test database
    client = new pg.Client({ connectionString: postgres!.url });
    await client.connect();
    await generateData(client, 0.02);
    queries = await recordAppQueries(client, 0.02);
    await client.query('set enable_seqscan = off');
    await client.query('set enable_sort = off');
  });
  afterAll(async () => {
    await client?.end();
    await postgres?.cleanup();
  });

  for (const mode of ['custom', 'generic'] as const) {
    it(`serves every key query from its index without sorting or scanning a big table (${mode} plans)`, async () => {
      const plans: ExplainResult[] = [];
      for (const q of queries) plans.push(await explain(client, q, mode));
      for (const [label, index] of EXPECTED) {
        const matching = plans.filter((p) => p.query.label === label);
        expect(matching.length, label).toBeGreaterThan(0);
        const uses = (name: string) => (typeof index === 'string' ? name === index : index.test(name));
        expect(matching.some((p) => p.indexes.some(uses)), `${label} uses ${index}: ${matching.map((p) => p.indexes.join(',')).join(' | ')}`).toBe(true);
      }
      const keyLabels = new Set(EXPECTED.map(([label]) => label));
      for (const p of plans.filter((x) => keyLabels.has(x.query.label))) {
        // A day partition counts as its table.
        expect(p.seqScans.filter((s) => BIG_TABLES.includes(s.relation.replace(/_(p\d{8}|default)$/, ''))), `${p.query.label}\n${p.tree}`).toEqual([]);
        // Pages come in index order; (batch writes sort their own input arrays, on purpose.)
        if (SORT_FREE.test(p.query.label)) expect(p.tree, p.query.label).not.toMatch(/^\s*(Incremental )?Sort\b/m);
      }
    });
  }

  // A prepared statement may settle on its generic plan, costed for an average expose; on a hot
  // expose that plan must still touch only the vote rows of the batch's own sessions.
  it('touches only the batch sessions\' vote rows on a hot expose, also in the generic plan', async () => {
    const hotWrites = /^(views batch|votes batch|shares|comments insert)/;
    const checked = queries.filter((q) => hotWrites.test(q.label));
    expect(checked.length).toBeGreaterThanOrEqual(4);
    for (const q of checked) {
      const plan = await explain(client, q, 'generic');
      for (const line of plan.tree.split('\n').filter((l) => / on votes\b/.test(l))) {
        const m = line.match(/\(rows=(\d+)(?: loops=(\d+))?\)/);
        const touched = Number(m?.[1] ?? 0) * Number(m?.[2] ?? 1);
        expect(touched, `${q.label}: ${line}\n${plan.tree}`).toBeLessThanOrEqual(50);
      }
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { visitor } from '../helpers/http';
import { hasPromtool, labelValues, promtoolCheckMetrics, sample } from '../helpers/prometheus';
import { createTelemetry } from '@/lib/server/observability/telemetry';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const WRITES = 'ec_writes_total';
const PROM_CLIENT_LINT = ['ec_nodejs_active_handles_total', 'ec_nodejs_active_requests_total', 'ec_nodejs_active_resources_total'];

for (const database of testDatabases()) {
  describe(`GET /api/metrics on ${database.name}`, () => {
    let t: TestApp;
    let scrape: string;
    let id: string;
    let expired: string;

    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        // Default (process) metrics on: promtool checks them too.
        overrides: { maintenance: false, telemetry: createTelemetry() },
        // Small per-IP caps (every request comes from 127.0.0.1) so that over_ip_cap is reached; hard
        // caps equal to the free ones, so nothing asks for a proof of work first.
        env: { FREE_VOTES_PER_IP: '2', MAX_VOTES_PER_IP: '2', MAX_VIEWS_PER_IP: '1', FREE_SHARES_PER_IP: '1', MAX_SHARES_PER_IP: '1' },
        // Stands in for Next: pages are handed over raw, as in server.ts.
        app: { pageHandler: (_req, res) => void res.end('<!doctype html><p>page</p>') },
      });
      id = await seedExpose(t.container.store);
      expired = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      // Known traffic, one of each outcome the write paths can tell apart.
      const a = visitor(t.app, { userAgent: CHROME });
      const b = visitor(t.app, { userAgent: `${CHROME} b` });
      await a.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }); // applied
      await a.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }); // no_change
      await b.post('/api/expose/vote', { exposeId: id, voteType: 'downvote' }); // applied
      await a.post('/api/expose/vote', { exposeId: expired, voteType: 'upvote' }); // expired
      await a.post('/api/expose/vote', { exposeId: 'no-such-expose', voteType: 'upvote' }); // not_found
      await a.post('/api/expose/vote', { exposeId: id, voteType: 'sideways' }); // invalid
      await a.post('/api/expose/views', { exposeId: id }); // applied
      await a.post('/api/expose/views', { exposeId: id }); // duplicate_view
      await visitor(t.app, { userAgent: 'curl/8.5.0' }).post('/api/expose/views', { exposeId: id }); // bot
      await a.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'share-1' }); // applied
      await a.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'share-1' }); // replayed
      const c = visitor(t.app, { userAgent: `${CHROME} c` });
      await c.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }); // over_ip_cap (third vote of 127.0.0.1)
      await c.post('/api/expose/views', { exposeId: id }); // over_ip_cap (second viewer of 127.0.0.1)
      await c.post('/api/expose/share', { exposeId: id }, { 'idempotency-key': 'share-2' }); // over_ip_cap
      await a.post('/api/expose/comments', { exposeId: id, body: 'hello' }); // applied
      await a.post('/api/exposes', { title: 'A title', body: 'A body' }); // applied
      await a.get(`/api/exposes/${id}`);
      await a.get('/api/no-such-endpoint');
      await a.get(`/expose/${id}`);
      await a.get('/');
      const res = await t.app.inject({ method: 'GET', url: '/api/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      scrape = res.body;
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('counts writes by kind and outcome', () => {
      const w = (kind: string, outcome: string) => sample(scrape, WRITES, { kind, outcome });
      expect(w('vote', 'applied')).toBe(2);
      expect(w('vote', 'no_change')).toBe(1);
      expect(w('vote', 'expired')).toBe(1);
      expect(w('vote', 'not_found')).toBe(1);
      expect(w('vote', 'invalid')).toBe(1);
      expect(w('view', 'applied')).toBe(1);
      expect(w('view', 'duplicate_view')).toBe(1);
      expect(w('view', 'bot')).toBe(1);
      expect(w('share', 'applied')).toBe(1);
      expect(w('share', 'replayed')).toBe(1);
      expect(w('comment', 'applied')).toBe(1);
      expect(w('expose', 'applied')).toBe(1);
      expect(w('vote', 'over_ip_cap')).toBe(1);
      expect(w('view', 'over_ip_cap')).toBe(1);
      expect(w('share', 'over_ip_cap')).toBe(1);
      expect(w('vote', 'unavailable')).toBe(0);
    });

    it('labels request durations by route template, never the raw URL', () => {
      const routes = labelValues(scrape, 'ec_http_request_duration_seconds_count', 'route');
      expect(routes).toEqual(expect.arrayContaining(['/api/expose/vote', '/api/exposes/:id', '/api/expose/views']));
      expect(routes.join(' ')).not.toContain(id);
      expect(routes).toContain('unmatched'); // GET /api/no-such-endpoint
      expect(sample(scrape, 'ec_http_request_duration_seconds_count', { route: 'page', method: 'GET', status: '200' })).toBe(2);
      expect(routes.join(' ')).not.toContain('no-such-endpoint');
      expect(
        sample(scrape, 'ec_http_request_duration_seconds_count', { route: '/api/expose/vote', method: 'POST', status: '200' }),
      ).toBe(4); // applied twice, no_change, over_ip_cap
      expect(sample(scrape, 'ec_http_request_duration_seconds_count', { route: '/api/expose/vote', status: '410' })).toBe(1);
    });

    it('times the write path and the store queries by name', () => {
      expect(sample(scrape, 'ec_write_batch_size_sum', { kind: 'vote' })).toBeGreaterThanOrEqual(3);
      expect(sample(scrape, 'ec_write_commit_seconds_count', { kind: 'view' })).toBe(3); // the bot's view writes nothing
      expect(sample(scrape, 'ec_write_queue_depth')).toBe(0);
      const queries = labelValues(scrape, 'ec_db_query_duration_seconds_count', 'query');
      expect(queries).toEqual(expect.arrayContaining(['applyViewsAcross', 'lockVotes', 'writeVotesGranted', 'transaction', 'insertExpose']));
      expect(sample(scrape, 'ec_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(scrape, 'ec_live_streams_open')).toBe(0);
    });

    it('includes the process metrics under the same prefix', () => {
      expect(sample(scrape, 'ec_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(scrape).toMatch(/^ec_nodejs_eventloop_lag_p99_seconds /m);
    });

    it.skipIf(!hasPromtool)('passes `promtool check metrics`', () => {
      const { output } = promtoolCheckMetrics(scrape);
      // prom-client's own default gauges end in _total; promtool lints that and nothing else may fail.
      const problems = output.split('\n').filter((l) => l && !PROM_CLIENT_LINT.some((name) => l.startsWith(`${name} `)));
      expect(problems).toEqual([]);
    });
    if (!hasPromtool) it.skip('promtool is not installed (apt-get install prometheus); CI installs it', () => {});
  });
}

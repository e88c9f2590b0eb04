import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardExpose, DashboardSnapshot } from '@/lib/contracts/dashboard';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { signedInVisitor, visitor } from '../helpers/http';
import { openSse } from '../live/sse-client';

const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';
const BEARER = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ua = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${n}.0 Safari/537.36`;
const last = (xs: number[]) => xs[xs.length - 1];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

for (const database of testDatabases()) {
  describe(`dashboard API on ${database.name}`, () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        env: { ADMIN_TOKEN, DASHBOARD_PUSH_MS: '300', RATE_LIMITS: '0' },
        overrides: { maintenance: false },
      });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const dashboard = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/dashboard', headers: BEARER });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as DashboardSnapshot;
    };

    it('refuses access without the admin token', async () => {
      for (const url of ['/api/dashboard', '/api/dashboard/expose?exposeId=abc', '/api/dashboard/stream']) {
        const none = await t.app.inject({ method: 'GET', url });
        expect(none.statusCode, url).toBe(401);
        expect(none.json().error.code).toBe('unauthorized');
        const wrong = await t.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer not-the-token-at-all-000000' } });
        expect(wrong.statusCode, url).toBe(401);
      }
    });

    it('shows a known session exactly: events per minute, top exposes, write figures and the expose panel', async () => {
      const before = await dashboard();
      const author = await signedInVisitor(t.app);
      const created = await author.post('/api/exposes', { title: 'Dashboard test', body: 'b' });
      const id = created.json().exposeId as string;
      // 3 distinct viewers and one repeat, 2 upvotes and 1 downvote, 1 share, 1 comment; 1 vote to an unknown expose.
      for (const n of [1, 2, 3, 1]) expect((await visitor(t.app, { userAgent: ua(n) }).post('/api/expose/views', { exposeId: id })).statusCode).toBe(200);
      for (const voteType of ['upvote', 'upvote', 'downvote']) {
        expect((await visitor(t.app).post('/api/expose/vote', { exposeId: id, voteType })).statusCode).toBe(200);
      }
      expect((await author.post('/api/expose/share', { exposeId: id, channel: 'link' })).statusCode).toBe(200);
      expect((await author.post('/api/expose/comments', { exposeId: id, body: 'hi' })).statusCode).toBe(201);
      expect((await author.post('/api/expose/vote', { exposeId: 'no-such-expose', voteType: 'upvote' })).statusCode).toBe(404);

      const d = await dashboard();
      const hour = d.events.hour;
      expect(hour.t).toHaveLength(60);
      expect(hour.bucketSec).toBe(60);
      expect(d.events.day.t).toHaveLength(288);
      expect(d.events.month.t).toHaveLength(720);
      // Everything happened within this test (a minute boundary may fall in between: sum the last two).
      const recent = (xs: number[]) => sum(xs.slice(-2));
      expect(recent(hour.views) - recent(before.events.hour.views.slice(-1))).toBe(3);
      expect(sum(hour.upvotes)).toBe(2);
      expect(sum(hour.downvotes)).toBe(1);
      expect(sum(hour.shares)).toBe(1);
      expect(sum(hour.comments)).toBe(1);
      expect(sum(d.events.month.views)).toBe(3);
      expect(d.top.now[0]).toMatchObject({ id, title: 'Dashboard test', recent: 8, prior: 0 });
      expect(d.top.trending[0]).toMatchObject({ id, recent: 8 });
      // Server figures: 4 views + 3 votes + share + comment + expose answered, the unknown expose is a 404 (not a failure).
      expect(d.server.writes - before.server.writes).toBe(10);
      expect(d.server.failedWrites).toBe(0);
      expect(d.server.writeSuccessRatio).toBe(1);
      expect(d.server.apiRequests).toBeGreaterThanOrEqual(12);
      expect(d.server.apiP50Ms).toBeGreaterThan(0);
      expect(d.server.apiP50Ms!).toBeLessThanOrEqual(d.server.apiP95Ms!);
      expect(d.server.apiP95Ms!).toBeLessThanOrEqual(d.server.apiP99Ms!);
      expect(d.server.db.map((q) => q.query)).toEqual(expect.arrayContaining(['applyViewsAcross', 'transaction']));

      const panel = await t.app.inject({ method: 'GET', url: `/api/dashboard/expose?exposeId=${id}`, headers: BEARER });
      expect(panel.statusCode).toBe(200);
      const p = panel.json() as DashboardExpose;
      expect(p.title).toBe('Dashboard test');
      expect(sum(p.day.views)).toBe(3);
      expect(sum(p.day.upvotes)).toBe(2);
      expect(sum(p.month.comments)).toBe(1);
      expect(p.audit.find((a) => a.kind === 'view')).toMatchObject({ requests: 4, counted: 3, dropped: { duplicate_view: 1 } });
      expect(p.dropped).toEqual([{ kind: 'view', outcome: 'duplicate_view', n: 1 }]);
      const missing = await t.app.inject({ method: 'GET', url: '/api/dashboard/expose?exposeId=no-such-expose', headers: BEARER });
      expect(missing.statusCode).toBe(404);
    });

    it('client figures: success ratio, retries per operation, rollback ratio and ack percentiles of a scripted session', async () => {
      const browser = await signedInVisitor(t.app);
      const op = (outcome: string, attempts: number, retries: number, latencyMs: number | null, extra = {}) => ({
        kind: 'vote',
        outcome,
        attempts,
        retries,
        timeouts: 0,
        exhausted: false,
        latencyMs,
        ...extra,
      });
      // 8 operations: 6 acknowledged (4 at once, 2 after a retry), 2 rolled back after 3 retries each.
      const ops = [
        op('acknowledged', 1, 0, 50),
        op('acknowledged', 1, 0, 60),
        op('acknowledged', 1, 0, 70),
        op('acknowledged', 1, 0, 80),
        op('acknowledged', 2, 1, 400),
        op('acknowledged', 2, 1, 450),
        op('rolled_back', 4, 3, null, { exhausted: true, timeouts: 2 }),
        op('rolled_back', 4, 3, null, { exhausted: true }),
      ];
      expect((await browser.post('/api/telemetry', { ops, vitals: [{ name: 'LCP', value: 900 }], errors: [] })).statusCode).toBe(204);
      const c = (await dashboard()).client;
      expect(c).toMatchObject({ operations: 8, acknowledged: 6, rolledBack: 2, retries: 8, timeouts: 2, exhausted: 2 });
      expect(c.successRatio).toBe(0.75);
      expect(c.retriesPerOperation).toBe(1);
      expect(c.rollbackRatio).toBe(0.25);
      // Buckets: 4 in (0, 100], 2 in (250, 500]: p50 is in the first bucket, p95 in the third.
      expect(c.ackP50Ms).toBeGreaterThan(0);
      expect(c.ackP50Ms).toBeLessThanOrEqual(100);
      expect(c.ackP95Ms).toBeGreaterThan(250);
      expect(c.ackP95Ms).toBeLessThanOrEqual(500);
      expect(last(c.series.operations)! + (c.series.operations.at(-2) ?? 0)).toBe(8);
      const v = (await dashboard()).vitals;
      expect(v.LCP).toBeGreaterThan(800);
      expect(v.LCP).toBeLessThanOrEqual(1000);
      expect(v.INP).toBeNull();
    });

    it('streams a snapshot at once and a fresh one after a write, over SSE', async () => {
      const c = await openSse(port, '', BEARER, '/api/dashboard/stream');
      expect(c.status).toBe(200);
      expect(c.headers['content-type']).toMatch(/^text\/event-stream/);
      const snapshots = () =>
        c
          .frames()
          .filter((f) => f.startsWith('event: dashboard\n'))
          .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as DashboardSnapshot);
      const first = await c.waitFor(() => snapshots()[0]);
      const upvotes = sum(first.events.hour.upvotes);
      const author = await signedInVisitor(t.app);
      const id = (await author.post('/api/exposes', { title: 'Live', body: 'b' })).json().exposeId as string;
      expect((await author.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' })).statusCode).toBe(200);
      const next = await c.waitFor(() => snapshots().find((s) => sum(s.events.hour.upvotes) === upvotes + 1), 5000);
      expect(next.top.now.map((e) => e.id)).toContain(id);
      c.close();
      const refused = await openSse(port, '', {}, '/api/dashboard/stream');
      expect(refused.status).toBe(401);
      refused.close();
    });
  });
}

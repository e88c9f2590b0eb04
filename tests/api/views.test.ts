import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '@/lib/server/domain/maintenance';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { databaseOf, testDatabases } from '../helpers/databases';
import { dumpTables } from '../helpers/dump';
import { metricsOf, seedExpose } from '../helpers/fixtures';
import { visitor } from '../helpers/http';

const VIEWS = '/api/expose/views';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

for (const database of testDatabases()) {
  describe(`POST /api/expose/views on ${database.name}`, () => {
    const clock = testClock('2031-05-10T12:00:00.000Z');
    let t: TestApp;
    let other: TestApp;
    beforeAll(async () => {
      const store = await database.open();
      const overrides = { rateLimitsEnabled: false, maintenance: false, now: clock.now };
      t = await createTestApp(store, { overrides });
      // A second instance over the same database: it must agree on the viewer key.
      other = await createTestApp(store, { overrides });
    });
    afterAll(async () => {
      await t.close();
      await other.close();
      await database.cleanup();
    });

    const view = (id: string, ip = '203.0.113.7', ua = FIREFOX, app = t.app) =>
      visitor(app, { remoteAddress: ip, userAgent: ua }).post(VIEWS, { exposeId: id });

    it('counts a viewer once, and another IP or browser again', async () => {
      const id = await seedExpose(t.container.store);
      const first = await view(id);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({
        exposeId: id,
        version: 1,
        counted: true,
        myVote: null,
        metrics: { views: 1, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 0 },
      });
      const again = await view(id);
      expect(again.json()).toMatchObject({ counted: false, version: 1, metrics: { views: 1 } });
      expect((await view(id, '203.0.113.8')).json()).toMatchObject({ counted: true, metrics: { views: 2 } });
      expect((await view(id, '203.0.113.7', CHROME)).json()).toMatchObject({ counted: true, metrics: { views: 3 } });
      // the other instance computes the same key
      expect((await view(id, '203.0.113.7', FIREFOX, other.app)).json()).toMatchObject({ counted: false });
      expect(await metricsOf(t.container.store, id)).toMatchObject({ views: 3, version: 3 });
    });

    it('does not count the viewer again across the salt’s day boundary, but after 24 h', async () => {
      const id = await seedExpose(t.container.store);
      clock.set('2031-05-10T23:59:50.000Z');
      expect((await view(id)).json().counted).toBe(true);
      clock.set('2031-05-11T00:00:10.000Z'); // new day, new salt: yesterday's hash still matches
      expect((await view(id)).json().counted).toBe(false);
      expect((await view(id, '203.0.113.7', FIREFOX, other.app)).json().counted).toBe(false);
      clock.set('2031-05-11T23:59:45.000Z'); // still within 24 h of the counted view
      expect((await view(id)).json().counted).toBe(false);
      clock.set('2031-05-12T00:00:30.000Z'); // more than 24 h after the counted view
      expect((await view(id)).json().counted).toBe(true);
      expect((await view(id)).json().counted).toBe(false);
      expect(await metricsOf(t.container.store, id)).toMatchObject({ views: 2 });
      clock.set('2031-05-10T12:00:00.000Z');
    });

    it('counts one view when one viewer sends 50 at once, and 50 for 50 viewers', async () => {
      const id = await seedExpose(t.container.store);
      const same = await Promise.all(Array.from({ length: 50 }, () => view(id, '198.51.100.1')));
      expect(same.filter((r) => r.json().counted === true)).toHaveLength(1);
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => view(id, `198.51.100.${i + 10}`)));
      expect(many.every((r) => r.json().counted === true)).toBe(true);
      // Concurrent views share batches (one version bump per committed batch), so only the count is exact.
      const after = await metricsOf(t.container.store, id);
      expect(after.views).toBe(51);
      expect(after.version).toBeGreaterThan(1);
      expect(after.version).toBeLessThanOrEqual(51);
    });

    it('answers known bots with counted: false and writes nothing', async () => {
      const id = await seedExpose(t.container.store);
      // The audit records bots by design (per day and per minute), flushed on its own timer: every other table must stay.
      const rows = async () => {
        const { expose_audit: _audit, engagement_drop_minutes: _drops, ...rest } = await dumpTables(t.container.store);
        return rest;
      };
      const before = await rows();
      for (const ua of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'curl/8.5.0', 'python-requests/2.31']) {
        const res = await view(id, '192.0.2.99', ua);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ exposeId: id, counted: false, metrics: { views: 0 } });
      }
      await t.container.audit.flush();
      expect(await rows()).toEqual(before);
    });

    it('uses X-Forwarded-For only when TRUST_PROXY=1', async () => {
      const id = await seedExpose(t.container.store);
      const send = (app: TestApp['app'], xff: string) =>
        app.inject({
          method: 'POST',
          url: VIEWS,
          remoteAddress: '10.0.0.1',
          headers: { 'content-type': 'application/json', 'user-agent': FIREFOX, 'x-forwarded-for': xff },
          payload: { exposeId: id },
        });
      // not trusted: both requests come from the proxy's socket address, one viewer
      expect((await send(t.app, '198.18.0.1')).json().counted).toBe(true);
      expect((await send(t.app, '198.18.0.2')).json().counted).toBe(false);
      const proxied = await createTestApp(t.container.store, {
        env: { TRUST_PROXY: '1' },
        overrides: { rateLimitsEnabled: false, maintenance: false, now: clock.now },
      });
      try {
        expect((await send(proxied.app, '198.18.0.1')).json().counted).toBe(true);
        expect((await send(proxied.app, '198.18.0.2')).json().counted).toBe(true);
        expect((await send(proxied.app, '198.18.0.2')).json().counted).toBe(false);
        // entries the client wrote in front of the proxy's own are not the client's address
        expect((await send(proxied.app, '7.7.7.7, 198.18.0.2')).json().counted).toBe(false);
        expect((await send(proxied.app, '8.8.8.8, 9.9.9.9, 198.18.0.2')).json().counted).toBe(false);
      } finally {
        await proxied.close();
      }
    });

    it('refuses an expired expose with 410 and an unknown one with 404, writing no dedup row', async () => {
      const id = await seedExpose(t.container.store, { expiresAt: new Date(clock.now().getTime() - 1) });
      const res = await view(id);
      expect(res.statusCode).toBe(410);
      expect(res.json().error.code).toBe('expired');
      expect((await view('no-such-expose')).statusCode).toBe(404);
      const rows = await databaseOf(t.container.store).rows(sql`select 1 from view_dedup where expose_id = ${id}`);
      expect(rows).toHaveLength(0);
    });

    it('maintenance deletes expired dedup rows and salts older than yesterday’s', async () => {
      const db = databaseOf(t.container.store);
      clock.set('2031-06-01T10:00:00.000Z');
      const id = await seedExpose(t.container.store);
      await view(id);
      clock.set('2031-06-02T10:00:00.000Z');
      await view(id, '203.0.113.200');
      const salts = async () =>
        (await db.rows<{ day: string }>(sql`select day from view_salts order by day`)).map((r) => r.day);
      expect(await salts()).toEqual(expect.arrayContaining(['2031-06-01', '2031-06-02']));

      clock.set('2031-06-02T10:00:01.000Z'); // the first view's row has just expired
      const first = await runMaintenance(t.container);
      expect(first.viewDedup).toBeGreaterThanOrEqual(1);
      expect(await salts()).toEqual(expect.arrayContaining(['2031-06-01', '2031-06-02']));
      const live = await db.rows(sql`select 1 from view_dedup where expose_id = ${id}`);
      expect(live).toHaveLength(1);

      clock.set('2031-06-03T00:00:01.000Z'); // 06-01's salt is no longer anyone's today or yesterday
      await runMaintenance(t.container);
      const left = await salts();
      expect(left).not.toContain('2031-06-01');
      expect(left).toContain('2031-06-02');
      expect(left.every((d) => d >= '2031-06-02')).toBe(true);
      clock.set('2031-05-10T12:00:00.000Z');
    });

    const cases: [string, unknown, number, string][] = [
      ['missing exposeId', {}, 400, 'invalid_input'],
      ['exposeId empty', { exposeId: '' }, 400, 'invalid_input'],
      ['exposeId with a slash', { exposeId: 'a/b' }, 400, 'invalid_input'],
      ['unknown field', { exposeId: 'x', viewer: 'me' }, 400, 'invalid_input'],
      ['a string', '"x"', 400, 'invalid_input'],
      ['null', 'null', 400, 'invalid_input'],
      ['unparsable JSON', '{', 400, 'invalid_json'],
      ['unknown expose', { exposeId: 'nope' }, 404, 'not_found'],
    ];
    it.each(cases)('answers %s with the error body', async (_name, payload, status, code) => {
      const res = await visitor(t.app, { userAgent: FIREFOX }).post(VIEWS, payload);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });
  });
}

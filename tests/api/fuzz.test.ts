import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@/lib/contracts/errors';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { dumpTables } from '../helpers/dump';
import { seedExpose } from '../helpers/fixtures';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const RUNS = 150;

/**
 * Arbitrary JSON and strings at every metrics endpoint. Valid-looking requests only ever name
 * an unknown or an expired expose, so whatever is sent, nothing may change in the database and
 * no answer may be a 5xx.
 */
for (const database of testDatabases()) {
  describe(`fuzzing the metrics endpoints on ${database.name}`, () => {
    const clock = testClock('2031-07-01T12:00:00.000Z');
    let t: TestApp;
    const expiredId = 'fuzz-expired';
    let before: Record<string, string>;
    beforeAll(async () => {
      const store = await database.open();
      t = await createTestApp(store, { overrides: { rateLimitsEnabled: false, maintenance: false, now: clock.now } });
      const live = await seedExpose(store);
      await seedExpose(store, { id: expiredId, expiresAt: new Date('2031-06-01T00:00:00.000Z') });
      // today's salt exists before the snapshot, as on any server that has counted a view today
      await t.app.inject({ method: 'POST', url: '/api/expose/views', headers: { 'content-type': 'application/json', 'user-agent': UA }, payload: { exposeId: live } });
      before = await countersAndRows(store);
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    // The audit records refusals (an expired expose's writes) by design, per day and per minute
    // (engagement_drop_minutes): every other table must stay.
    const countersAndRows = async (store: typeof t.container.store) => {
      const { expose_audit: _audit, engagement_drop_minutes: _drops, ...rest } = await dumpTables(store);
      return rest;
    };

    const exposeId = () =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('missing-one', expiredId) },
        { weight: 1, arbitrary: fc.oneof(fc.constant(''), fc.string(), fc.integer(), fc.constant(null)) },
      );
    const anyField = fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 }));
    const pick = (...good: unknown[]) =>
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: anyField });
    const text = fc.oneof(
      fc.constantFrom('a comment', '', ' \n ', '\u0000\u0007', 'é'.repeat(41), 'x'.repeat(2001)),
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    /** Near-valid bodies for each endpoint (so requests reach the database) and arbitrary JSON. */
    const near: Record<string, fc.Arbitrary<unknown>> = {
      '/api/expose/vote': fc.record({ exposeId: exposeId(), voteType: pick('upvote', 'downvote', 'none') }, { requiredKeys: ['exposeId'] }),
      '/api/expose/views': fc.record({ exposeId: exposeId() }),
      '/api/expose/share': fc.record(
        { exposeId: exposeId(), channel: pick('link', 'x', 'facebook', 'whatsapp', 'email', 'other') },
        { requiredKeys: ['exposeId'] },
      ),
      '/api/expose/comments': fc.record({ exposeId: exposeId(), body: text, authorName: text }, { requiredKeys: ['exposeId'] }),
    };
    const payloadFor = (url: string) =>
      fc.oneof(
        { weight: 5, arbitrary: near[url]!.map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 })) },
      );
    const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,140}$/);
    const headers = fc.record(
      {
        'content-type': fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
          { weight: 1, arbitrary: headerValue },
        ),
        'idempotency-key': fc.oneof({ weight: 3, arbitrary: fc.constantFrom('k1', 'k2') }, { weight: 1, arbitrary: headerValue }),
        origin: fc.oneof(
          { weight: 8, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('http://localhost:80', 'https://evil.example', 'null') },
        ),
        'user-agent': fc.oneof({ weight: 5, arbitrary: fc.constant(UA) }, { weight: 1, arbitrary: headerValue }),
      },
      { requiredKeys: ['content-type'] },
    ).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

    function expectWellFormed(res: { statusCode: number; body: string }) {
      expect(res.statusCode).toBeLessThan(500);
      if (res.statusCode >= 400) {
        const body = JSON.parse(res.body) as { error: { code: string; message: string } };
        expect(ERROR_CODES).toContain(body.error.code);
        expect(body.error.message).not.toMatch(/\.(ts|js):\d+/);
      }
    }

    for (const url of ['/api/expose/vote', '/api/expose/views', '/api/expose/share', '/api/expose/comments']) {
      it(`POST ${url}: no 5xx, no change`, async () => {
        await fc.assert(
          fc.asyncProperty(payloadFor(url), headers, async (body, h) => {
            const res = await t.app.inject({ method: 'POST', url, headers: { host: 'localhost:80', ...h }, payload: body });
            expectWellFormed(res);
          }),
          { numRuns: RUNS },
        );
        expect(await countersAndRows(t.container.store)).toEqual(before);
      });
    }

    const queryValue = fc.oneof(fc.constantFrom('missing-one', expiredId, '', '0', '50', '51', '-1', 'abc'), fc.string());
    const query = fc.oneof(
      fc.string().map((s) => s.replace(/[#]/g, '')),
      fc
        .record({ exposeId: queryValue, ids: fc.array(queryValue, { maxLength: 120 }).map((a) => a.join(',')), limit: queryValue, cursor: fc.oneof(queryValue, fc.base64String()) }, { requiredKeys: [] })
        .map((q) => new URLSearchParams(q as Record<string, string>).toString()),
    );
    for (const path of ['/api/expose/comments', '/api/expose/metrics']) {
      it(`GET ${path}: no 5xx, no change`, async () => {
        await fc.assert(
          fc.asyncProperty(query, async (q) => {
            const res = await t.app.inject({ method: 'GET', url: `${path}?${q}` });
            expectWellFormed(res);
          }),
          { numRuns: RUNS },
        );
        expect(await countersAndRows(t.container.store)).toEqual(before);
      });
    }
  });
}

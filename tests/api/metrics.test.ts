import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { signedInVisitor, visitor } from '../helpers/http';

const METRICS = '/api/expose/metrics';

for (const database of testDatabases()) {
  describe(`GET /api/expose/metrics on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('reads many exposes at once, in the order asked, with the caller’s votes, leaving unknown ids out', async () => {
      const a = await seedExpose(t.container.store);
      const b = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      const c = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      await v.post('/api/expose/vote', { exposeId: a, voteType: 'downvote' });
      await visitor(t.app).post('/api/expose/vote', { exposeId: c, voteType: 'upvote' });
      await v.post('/api/expose/share', { exposeId: c });

      const res = await v.get(`${METRICS}?ids=${c},unknown-id,${a},${b},${a}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toEqual({
        items: [
          {
            exposeId: c,
            version: 2,
            myVote: null,
            metrics: { views: 0, comments: 0, upvotes: 1, downvotes: 0, netVotes: 1, shares: 1 },
          },
          {
            exposeId: a,
            version: 1,
            myVote: 'downvote',
            metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 1, netVotes: -1, shares: 0 },
          },
          {
            exposeId: b,
            version: 0,
            myVote: null,
            metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 0 },
          },
        ],
      });
    });

    it('answers an unknown id alone with an empty list', async () => {
      const res = await visitor(t.app).get(`${METRICS}?ids=nobody`);
      expect(res.json()).toEqual({ items: [] });
    });

    it('accepts 100 ids', async () => {
      const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`).join(',');
      expect((await visitor(t.app).get(`${METRICS}?ids=${ids}`)).statusCode).toBe(200);
    });

    const cases: [string, string][] = [
      ['no ids', ''],
      ['empty ids', '?ids='],
      ['only commas', '?ids=,,,'],
      ['101 ids', `?ids=${Array.from({ length: 101 }, (_, i) => `id-${i}`).join(',')}`],
      ['an invalid id', '?ids=a,b%20c'],
      ['an overlong id', `?ids=${'a'.repeat(65)}`],
      ['ids given twice', '?ids=a&ids=b'],
    ];
    it.each(cases)('answers %s with 400 invalid_input', async (_name, query) => {
      const res = await visitor(t.app).get(`${METRICS}${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.message).toMatch(/ids/);
    });
  });
}

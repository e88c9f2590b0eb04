import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS, signedInVisitor } from '../helpers/http';

const NEW_SESSIONS = RATE_LIMIT_POLICY.newSession[0].points;

for (const database of testDatabases()) {
  describe(`cookie churn on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      // Free votes out of the way: this is about the new-session window, not the per-IP caps
      // (past 30 free votes a cookie-less vote would get 428, tests/api/challenges.test.ts).
      t = await createTestApp(await database.open(), { env: { FREE_VOTES_PER_IP: '1000', MAX_VOTES_PER_IP: '1000' }, overrides: { maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('limits writes that arrive without a session cookie per IP identity; visitors with one go on', async () => {
      const id = await seedExpose(t.container.store);
      const statuses: number[] = [];
      for (let n = 0; n <= NEW_SESSIONS; n++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/expose/vote',
          remoteAddress: '2001:db8:9:9::' + (n + 1).toString(16),
          headers: JSON_HEADERS,
          payload: JSON.stringify({ exposeId: id, voteType: 'upvote' }),
        });
        statuses.push(res.statusCode);
      }
      expect(statuses.slice(0, NEW_SESSIONS).every((s) => s === 200)).toBe(true);
      expect(statuses[NEW_SESSIONS]).toBe(429);
      // a visitor who loaded a page first (and so holds a cookie) is not churn
      const v = await signedInVisitor(t.app, { remoteAddress: '2001:db8:9:9::ffff' });
      expect((await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' })).statusCode).toBe(200);
    });
  });
}

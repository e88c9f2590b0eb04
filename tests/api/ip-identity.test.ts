import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS } from '../helpers/http';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
// Cookie-less writes meet the new-session window (per IP identity) before the view window.
const IP_LIMIT = Math.min(RATE_LIMIT_POLICY.view.find((w) => w.by === 'ip')!.points, RATE_LIMIT_POLICY.newSession[0].points);

/** The n-th address of 2001:db8:7:7::/64 (the interface id varies in all four groups). */
const addressInOne64 = (n: number): string =>
  `2001:db8:7:7:${(n * 7919 % 65536).toString(16)}:${n.toString(16)}:${(n >> 3).toString(16)}:${(n * 31 % 65536).toString(16)}`;

/** Runs `count` tasks, `width` at a time (a crowd, not a queue of one). */
async function inParallel(count: number, width: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

for (const database of testDatabases()) {
  describe(`IP identity on ${database.name}: one IPv6 /64 is one client`, () => {
    let t: TestApp;
    let id: string;
    beforeAll(async () => {
      const store = await database.open();
      t = await createTestApp(store, { overrides: { maintenance: false } });
      id = await seedExpose(store);
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('5,000 cookie-less views from 5,000 addresses of one /64 share one rate limit and count once', async () => {
      const statuses = new Map<number, number>();
      await inParallel(5000, 50, async (n) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/expose/views',
          remoteAddress: addressInOne64(n),
          headers: { ...JSON_HEADERS, 'user-agent': UA },
          payload: JSON.stringify({ exposeId: id }),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      });
      expect(Object.fromEntries(statuses)).toEqual({ 200: IP_LIMIT, 429: 5000 - IP_LIMIT });
      // one viewer: the /64 and the user agent are the same for all of them
      expect((await t.container.store.findExpose(id))!.views).toBe(1);
      // another /64 is another client
      const other = await t.app.inject({
        method: 'POST',
        url: '/api/expose/views',
        remoteAddress: '2001:db8:7:8::1',
        headers: { ...JSON_HEADERS, 'user-agent': UA },
        payload: JSON.stringify({ exposeId: id }),
      });
      expect(other.json()).toMatchObject({ counted: true, metrics: { views: 2 } });
    }, 120_000);
  });
}

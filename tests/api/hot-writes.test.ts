import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

const json = { 'content-type': 'application/json' };
const N = 200;

/**
 * The hot-row write path: concurrent votes and views on ONE expose. Coalesced, they share
 * transactions (fewer version bumps than requests) and the counts stay exact; the direct path
 * (the benchmark's naive baseline) bumps the version once per request. Coalesced views also share
 * statements across exposes, where a missing or expired expose fails only its own requests.
 */
for (const writePath of ['coalesced', 'direct'] as const) {
  for (const database of testDatabases()) {
    describe(`hot writes (${writePath}) on ${database.name}`, () => {
      let t: TestApp;
      beforeAll(async () => {
        t = await createTestApp(await database.open(), { env: { RATE_LIMITS: '0', WRITE_PATH: writePath } });
      });
      afterAll(async () => {
        await t.close();
        await database.cleanup();
      });

      it(`counts ${N} concurrent views from distinct viewers exactly`, async () => {
        const id = await seedExpose(t.container.store);
        const replies = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            t.app.inject({
              method: 'POST',
              url: '/api/expose/views',
              headers: { ...json, 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36 viewer/${i}` },
              payload: { exposeId: id },
            }),
          ),
        );
        expect(replies.filter((r) => r.statusCode !== 200 || r.json().counted !== true).map((r) => r.body).slice(0, 3)).toEqual([]);
        const m = await metricsOf(t.container.store, id);
        expect(m.views).toBe(N);
        if (writePath === 'coalesced') expect(m.version).toBeLessThan(N);
        else expect(m.version).toBe(N);
        // every reply shows a committed state that includes its own view
        const versions = replies.map((r) => r.json().version as number);
        expect(Math.max(...versions)).toBe(m.version);
        expect(replies.every((r) => r.json().metrics.views >= 1)).toBe(true);
      });

      it(`counts ${N} concurrent upvotes from distinct sessions, then their withdrawals, exactly`, async () => {
        const id = await seedExpose(t.container.store);
        const cookies: string[] = [];
        // Each session from its own address: one address's votes stop counting at FREE_VOTES_PER_IP.
        const addressOf = (i: number) => `10.0.${i >> 8}.${i & 255}`;
        const up = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            t.app.inject({
              method: 'POST',
              url: '/api/expose/vote',
              remoteAddress: addressOf(i),
              headers: json,
              payload: { exposeId: id, voteType: 'upvote' },
            }),
          ),
        );
        for (const r of up) {
          expect(r.statusCode).toBe(200);
          expect(r.json().myVote).toBe('upvote');
          cookies.push(String(r.headers['set-cookie']).split(';')[0]!);
        }
        expect(await metricsOf(t.container.store, id)).toMatchObject({ upvotes: N, downvotes: 0 });

        const down = await Promise.all(
          cookies.map((cookie, i) =>
            t.app.inject({
              method: 'POST',
              url: '/api/expose/vote',
              remoteAddress: addressOf(i),
              headers: { ...json, cookie },
              payload: { exposeId: id, voteType: i % 2 ? 'downvote' : 'none' },
            }),
          ),
        );
        expect(down.every((r) => r.statusCode === 200)).toBe(true);
        expect(await metricsOf(t.container.store, id)).toMatchObject({ upvotes: 0, downvotes: N / 2 });
        expect(t.container.hotWrites.pendingCount()).toBe(0);
      });

      it('counts concurrent views of many exposes exactly; a missing or expired expose fails only its own requests', async () => {
        const ids = await Promise.all(Array.from({ length: 20 }, () => seedExpose(t.container.store)));
        const closed = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
        const targets = [...ids.flatMap((id) => Array.from({ length: 10 }, () => id)), ...Array.from({ length: 5 }, () => 'missing0001'), ...Array.from({ length: 5 }, () => closed)];
        const statements = vi.spyOn(t.container.store, 'applyViewsAcross');
        try {
          const replies = await Promise.all(
            targets.map((exposeId, i) =>
              t.app.inject({
                method: 'POST',
                url: '/api/expose/views',
                headers: { ...json, 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36 spread/${i}` },
                payload: { exposeId },
              }),
            ),
          );
          const codes = replies.map((r) => (r.statusCode === 200 ? (r.json().counted ? 'counted' : 'seen') : r.json().error.code));
          expect(codes.slice(0, 200).every((c) => c === 'counted')).toBe(true);
          expect(codes.slice(200, 205)).toEqual(Array(5).fill('not_found'));
          expect(codes.slice(205)).toEqual(Array(5).fill('expired'));
          for (const id of ids) expect((await metricsOf(t.container.store, id)).views).toBe(10);
          expect(await metricsOf(t.container.store, closed)).toMatchObject({ views: 0, version: 0 });
          // Coalesced: fewer statements than exposes (batches span exposes); direct: one per request.
          if (writePath === 'coalesced') expect(statements.mock.calls.length).toBeLessThan(ids.length);
          else expect(statements.mock.calls.length).toBe(targets.length);
        } finally {
          statements.mockRestore();
        }
      });

      it('counts concurrent votes on many exposes exactly; a missing or expired expose fails only its own requests', async () => {
        const ids = await Promise.all(Array.from({ length: 20 }, () => seedExpose(t.container.store)));
        const closed = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
        const targets = [...ids.flatMap((id) => Array.from({ length: 10 }, () => id)), ...Array.from({ length: 5 }, () => 'missing0001'), ...Array.from({ length: 5 }, () => closed)];
        const transactions = vi.spyOn(t.container.store, 'transaction');
        try {
          const replies = await Promise.all(
            targets.map((exposeId, i) =>
              t.app.inject({
                method: 'POST',
                url: '/api/expose/vote',
                remoteAddress: `10.1.${i >> 8}.${i & 255}`,
                headers: json,
                payload: { exposeId, voteType: i % 3 ? 'upvote' : 'downvote' },
              }),
            ),
          );
          const codes = replies.map((r) => (r.statusCode === 200 ? r.json().myVote : r.json().error.code));
          expect(codes.slice(0, 200)).toEqual(targets.slice(0, 200).map((_, i) => (i % 3 ? 'upvote' : 'downvote')));
          expect(codes.slice(200, 205)).toEqual(Array(5).fill('not_found'));
          expect(codes.slice(205)).toEqual(Array(5).fill('expired'));
          for (const [k, id] of ids.entries()) {
            const downs = Array.from({ length: 10 }, (_, j) => k * 10 + j).filter((i) => i % 3 === 0).length;
            expect(await metricsOf(t.container.store, id)).toMatchObject({ upvotes: 10 - downs, downvotes: downs });
          }
          expect(await metricsOf(t.container.store, closed)).toMatchObject({ upvotes: 0, downvotes: 0, version: 0 });
          // Coalesced: batches span exposes, so fewer transactions than exposes; direct: one per request.
          if (writePath === 'coalesced') expect(transactions.mock.calls.length).toBeLessThan(ids.length);
          else expect(transactions.mock.calls.length).toBe(targets.length);
        } finally {
          transactions.mockRestore();
        }
      });

      it('fails the whole batch for an expired expose and writes nothing', async () => {
        const id = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            t.app.inject({
              method: 'POST',
              url: '/api/expose/views',
              headers: { ...json, 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36 late/${i}` },
              payload: { exposeId: id },
            }),
          ),
        );
        expect(replies.every((r) => r.statusCode === 410 && r.json().error.code === 'expired')).toBe(true);
        expect(await metricsOf(t.container.store, id)).toMatchObject({ views: 0, version: 0 });
      });
    });
  }
}

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '@/lib/server/domain/maintenance';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';
import { signedInVisitor, visitor } from '../helpers/http';

const SHARE = '/api/expose/share';
const key = (k: string) => ({ 'idempotency-key': k });

for (const database of testDatabases()) {
  describe(`POST /api/expose/share on ${database.name}`, () => {
    const clock = testClock();
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        overrides: { rateLimitsEnabled: false, maintenance: false, now: clock.now },
      });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const channels = async (id: string) =>
      (
        await databaseOf(t.container.store).rows<{ channel: string }>(
          sql`select channel from shares where expose_id = ${id} order by id`,
        )
      ).map((r) => r.channel);

    it('adds one share per request without a key, recording the channel (default link)', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const first = await v.post(SHARE, { exposeId: id });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({
        exposeId: id,
        version: 1,
        myVote: null,
        metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 1 },
      });
      await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
      const second = await v.post(SHARE, { exposeId: id, channel: 'whatsapp' });
      expect(second.json()).toMatchObject({ version: 3, myVote: 'upvote', metrics: { shares: 2, upvotes: 1 } });
      expect(await channels(id)).toEqual(['link', 'whatsapp']);
    });

    it('has its effect once per key and replays the first reply', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const first = await v.post(SHARE, { exposeId: id, channel: 'x' }, key('share-1'));
      await v.post(SHARE, { exposeId: id }); // another share moves the counters meanwhile
      const retry = await v.post(SHARE, { channel: 'x', exposeId: id }, key('share-1')); // key order does not matter
      expect(retry.statusCode).toBe(first.statusCode);
      expect(retry.json()).toEqual(first.json());
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 2, version: 2 });
    });

    it('answers the same key with a different body with 422 and changes nothing', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      await v.post(SHARE, { exposeId: id, channel: 'x' }, key('k'));
      const res = await v.post(SHARE, { exposeId: id, channel: 'email' }, key('k'));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('idempotency_key_reused');
      expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 1 });
    });

    it('scopes a key to the session and the endpoint: the same key on another expose is a 422', async () => {
      const a = await seedExpose(t.container.store);
      const b = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const w = await signedInVisitor(t.app);
      await v.post(SHARE, { exposeId: a }, key('same'));
      expect((await w.post(SHARE, { exposeId: a }, key('same'))).statusCode).toBe(200); // another session
      const comment = await v.post('/api/expose/comments', { exposeId: a, body: 'hi' }, key('same')); // another endpoint
      expect(comment.statusCode).toBe(201);
      const otherExpose = await v.post(SHARE, { exposeId: b }, key('same'));
      expect(otherExpose.statusCode).toBe(422);
      expect(otherExpose.json().error.code).toBe('idempotency_key_reused');
      expect(await metricsOf(t.container.store, a)).toMatchObject({ shares: 2, comments: 1 });
      expect(await metricsOf(t.container.store, b)).toMatchObject({ shares: 0, version: 0 });
    });

    it('gives 100 concurrent identical requests with one key exactly one share', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => v.post(SHARE, { exposeId: id, channel: 'link' }, key('burst'))),
      );
      const ok = replies.filter((r) => r.statusCode === 200);
      const busy = replies.filter((r) => r.statusCode === 409);
      expect(ok.length + busy.length).toBe(100);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const r of ok) expect(r.json()).toEqual(ok[0]!.json());
      for (const r of busy) {
        expect(r.json().error.code).toBe('idempotency_key_in_use');
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 1, version: 1 });
      expect(await channels(id)).toEqual(['link']);
      // after the burst every retry gets the stored reply
      const late = await v.post(SHARE, { exposeId: id, channel: 'link' }, key('burst'));
      expect(late.statusCode).toBe(200);
      expect(late.json()).toEqual(ok[0]!.json());
    });

    it('frees the key when the request fails, so a retry is answered afresh', async () => {
      const expired = await seedExpose(t.container.store, { expiresAt: new Date(clock.now().getTime() - 1) });
      const v = await signedInVisitor(t.app);
      for (let i = 0; i < 2; i++) {
        const res = await v.post(SHARE, { exposeId: expired }, key('fails'));
        expect(res.statusCode).toBe(410);
        expect(res.json().error.code).toBe('expired');
      }
      expect((await v.post(SHARE, { exposeId: 'no-such-one' }, key('fails'))).statusCode).toBe(404);
      const rows = await databaseOf(t.container.store).rows(sql`select 1 from idempotency_keys where key = 'fails'`);
      expect(rows).toHaveLength(0);
      expect(await channels(expired)).toEqual([]);
    });

    it('remembers keys for 24 h; maintenance deletes them afterwards', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      await v.post(SHARE, { exposeId: id }, key('day-old'));
      clock.advance(23 * 3_600_000);
      await runMaintenance(t.container);
      expect((await v.post(SHARE, { exposeId: id }, key('day-old'))).headers['idempotent-replayed']).toBe('true');
      clock.advance(2 * 3_600_000);
      const removed = await runMaintenance(t.container);
      // PGlite deletes the row now; PostgreSQL drops its whole day partition once every key of that
      // day is over 24 h old (docs/OPERATIONS.md "Partitions"), and ignores it until then.
      if (database.name === 'pglite') expect(removed.idempotencyKeys).toBeGreaterThanOrEqual(1);
      const fresh = await v.post(SHARE, { exposeId: id }, key('day-old'));
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 2 });
    });

    const cases: [string, unknown, Record<string, string>, number, string][] = [
      ['unknown channel', { exposeId: 'x', channel: 'myspace' }, {}, 400, 'invalid_input'],
      ['channel null', { exposeId: 'x', channel: null }, {}, 400, 'invalid_input'],
      ['missing exposeId', { channel: 'x' }, {}, 400, 'invalid_input'],
      ['unknown field', { exposeId: 'x', count: 5 }, {}, 400, 'invalid_input'],
      ['key too long', { exposeId: 'x' }, key('k'.repeat(129)), 400, 'invalid_input'],
      ['key with a space', { exposeId: 'x' }, key('a b'), 400, 'invalid_input'],
      ['empty key', { exposeId: 'x' }, key(''), 400, 'invalid_input'],
      ['unknown expose', { exposeId: 'nope' }, {}, 404, 'not_found'],
      ['unknown expose with a key', { exposeId: 'nope' }, key('k404'), 404, 'not_found'],
      ['text/plain', 'exposeId=x', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
      ['foreign origin', { exposeId: 'x' }, { origin: 'https://evil.example' }, 403, 'forbidden_origin'],
    ];
    it.each(cases)('answers %s with the error body', async (_name, payload, headers, status, code) => {
      const res = await visitor(t.app).post(SHARE, payload, headers);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });
  });
}

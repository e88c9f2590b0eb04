import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';

const json = { 'content-type': 'application/json' };

for (const database of testDatabases()) {
  describe(`exposes API on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open());
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const create = (payload: unknown, headers: Record<string, string> = json) =>
      t.app.inject({ method: 'POST', url: '/api/exposes', headers, payload: payload as string });

    it('creates an expose and reads it back, in the feed and by id', async () => {
      const res = await create({ title: '  A title  ', body: 'Some body', ttlHours: 2 });
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created).toMatchObject({
        title: 'A title',
        body: 'Some body',
        expired: false,
        version: 0,
        metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 0 },
      });
      expect(created.exposeId).toMatch(/^[A-Za-z0-9_-]{12}$/);
      const ttl = Date.parse(created.expiresAt) - Date.parse(created.createdAt);
      expect(Math.abs(ttl - 2 * 3_600_000)).toBeLessThan(5_000);

      const one = await t.app.inject({ method: 'GET', url: `/api/exposes/${created.exposeId}` });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ exposeId: created.exposeId, myVote: null, title: 'A title' });

      const feed = await t.app.inject({ method: 'GET', url: '/api/exposes' });
      expect(feed.json().exposes.map((e: { exposeId: string }) => e.exposeId)).toContain(created.exposeId);
    });

    it('pages the feed newest first with an opaque cursor and leaves expired exposes out', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create({ title: `page ${i}`, body: 'b' })).json().exposeId);
      await t.container.store.insertExpose({ id: 'expired-one', title: 'old', body: 'b', expiresAt: new Date(Date.now() - 1000) });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/exposes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = (await t.app.inject({ method: 'GET', url })).json();
        expect(page.exposes.length).toBeLessThanOrEqual(2);
        seen.push(...page.exposes.map((e: { exposeId: string }) => e.exposeId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).not.toContain('expired-one');
      expect(new Set(seen).size).toBe(seen.length);
      // the five created last come first, newest first
      expect(seen.slice(0, 5)).toEqual([...ids].reverse());

      const expired = await t.app.inject({ method: 'GET', url: '/api/exposes/expired-one' });
      expect(expired.json()).toMatchObject({ expired: true });
    });

    it('sorts by ?sort=hot and ?sort=top&t=…, pages each with its own cursor, refuses unknown orders and foreign cursors', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await create({ title: `sorted ${i}`, body: 'b' })).json().exposeId);
      // The oldest of the three gets two upvotes (two sessions): first in "top" and in "hot" (in the
      // hot rank 1 vote weighs like 0, log10(2) like 3.75 h of youth).
      for (let i = 0; i < 2; i++) {
        const vote = await t.app.inject({ method: 'POST', url: '/api/expose/vote', headers: json, payload: { exposeId: ids[0], voteType: 'upvote' } });
        expect(vote.json().metrics.upvotes).toBe(i + 1);
      }
      for (const query of ['sort=hot', 'sort=top&t=day', 'sort=top&t=week', 'sort=top&t=all']) {
        const first = (await t.app.inject({ method: 'GET', url: `/api/exposes?${query}&limit=1` })).json();
        expect(first.exposes.map((e: { exposeId: string }) => e.exposeId), query).toEqual([ids[0]]);
        const next = await t.app.inject({ method: 'GET', url: `/api/exposes?${query}&limit=1&cursor=${first.nextCursor}` });
        expect(next.statusCode, query).toBe(200);
        expect(next.json().exposes[0].exposeId).not.toBe(ids[0]);
        const foreign = await t.app.inject({ method: 'GET', url: `/api/exposes?limit=1&cursor=${first.nextCursor}` });
        expect(foreign.statusCode, query).toBe(400);
      }
      for (const bad of ['sort=best', 'sort=top&t=year']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/exposes?${bad}` });
        expect(res.statusCode, bad).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: 'invalid_input' } });
      }
    });

    it('gives every visitor a signed, HttpOnly, SameSite=Lax session cookie once', async () => {
      const first = await t.app.inject({ method: 'GET', url: '/api/exposes' });
      const header = String(first.headers['set-cookie']);
      expect(header).toMatch(/^ec_sid=[A-Za-z0-9_-]{24}\.[^;]+;/);
      expect(header).toMatch(/HttpOnly/);
      expect(header).toMatch(/SameSite=Lax/);
      expect(header).toMatch(/Path=\//);
      const again = await t.app.inject({ method: 'GET', url: '/api/exposes', headers: { cookie: sessionCookieOf(first) } });
      expect(again.headers['set-cookie']).toBeUndefined();
      // a tampered cookie is replaced by a new session
      const forged = await t.app.inject({ method: 'GET', url: '/api/exposes', headers: { cookie: 'ec_sid=AAAAAAAAAAAAAAAAAAAAAAAA.bad' } });
      expect(forged.headers['set-cookie']).toBeDefined();
    });

    it('answers health with a real query', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ok: true });
    });

    const long = 'x'.repeat(17 * 1024);
    const cases: [string, () => Promise<{ statusCode: number; json(): unknown }>, number, string][] = [
      ['unparsable JSON', () => create('{"title": ', json), 400, 'invalid_json'],
      ['empty body', () => create('', json), 400, 'invalid_json'],
      ['missing title', () => create({ body: 'b' }), 400, 'invalid_input'],
      ['blank title', () => create({ title: '   ', body: 'b' }), 400, 'invalid_input'],
      ['title too long', () => create({ title: 't'.repeat(121), body: 'b' }), 400, 'invalid_input'],
      ['body too long', () => create({ title: 't', body: 'b'.repeat(5001) }), 400, 'invalid_input'],
      ['ttl out of range', () => create({ title: 't', body: 'b', ttlHours: 721 }), 400, 'invalid_input'],
      ['ttl not an integer', () => create({ title: 't', body: 'b', ttlHours: 1.5 }), 400, 'invalid_input'],
      ['unknown field', () => create({ title: 't', body: 'b', admin: true }), 400, 'invalid_input'],
      ['an array', () => create([1, 2]), 400, 'invalid_input'],
      ['text/plain', () => create('title=t', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
      ['form encoded', () => create('title=t', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'],
      ['no content type', () => create('{}', {}), 415, 'unsupported_media_type'],
      ['over 16 KiB', () => create({ title: 't', body: long }), 413, 'payload_too_large'],
      ['foreign origin', () => create({ title: 't', body: 'b' }, { ...json, origin: 'https://evil.example' }), 403, 'forbidden_origin'],
      ['malformed origin', () => create({ title: 't', body: 'b' }, { ...json, origin: 'null' }), 403, 'forbidden_origin'],
      ['unknown expose', () => t.app.inject({ method: 'GET', url: '/api/exposes/nope' }), 404, 'not_found'],
      ['invalid expose id', () => t.app.inject({ method: 'GET', url: '/api/exposes/has%20space' }), 400, 'invalid_input'],
      ['bad cursor', () => t.app.inject({ method: 'GET', url: '/api/exposes?cursor=garbage' }), 400, 'invalid_input'],
      ['limit too big', () => t.app.inject({ method: 'GET', url: '/api/exposes?limit=500' }), 400, 'invalid_input'],
      ['unknown endpoint', () => t.app.inject({ method: 'GET', url: '/api/nothing-here' }), 404, 'not_found'],
      ['wrong method', () => t.app.inject({ method: 'DELETE', url: '/api/exposes' }), 404, 'not_found'],
    ];

    it.each(cases)('answers %s with the error body and writes nothing', async (_name, send, status, code) => {
      const before = await t.container.store.countExposes();
      const res = await send();
      expect(res.statusCode).toBe(status);
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toEqual(expect.any(String));
      expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(await t.container.store.countExposes()).toBe(before);
    });

    it('names the failing field in the message', async () => {
      const res = await create({ title: 't', body: 'b', ttlHours: 0 });
      expect(res.json().error.message).toMatch(/ttlHours/);
    });

    it('allows a same-origin write', async () => {
      const res = await create({ title: 't', body: 'b' }, { ...json, origin: 'http://localhost:80', host: 'localhost:80' });
      expect(res.statusCode).toBe(201);
    });
  });
}

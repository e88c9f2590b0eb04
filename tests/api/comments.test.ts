import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '@/lib/server/domain/cursor';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { databaseOf, testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';
import { signedInVisitor, visitor } from '../helpers/http';

const COMMENTS = '/api/expose/comments';
const key = (k: string) => ({ 'idempotency-key': k });

for (const database of testDatabases()) {
  describe(`/api/expose/comments on ${database.name}`, () => {
    const clock = testClock('2031-03-01T08:00:00.000Z');
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

    const list = (query: string) => visitor(t.app).get(`${COMMENTS}?${query}`);

    it('creates a comment: 201 with the comment and the metrics object', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const res = await v.post(COMMENTS, { exposeId: id, body: '  Nice find!\n\tReally.  ', authorName: ' Ada ' });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        exposeId: id,
        version: 1,
        myVote: null,
        metrics: { views: 0, comments: 1, upvotes: 0, downvotes: 0, netVotes: 0, shares: 0 },
        comment: {
          id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
          exposeId: id,
          body: 'Nice find!\n\tReally.',
          authorName: 'Ada',
          createdAt: '2031-03-01T08:00:00.000Z',
        },
      });
      const page = await list(`exposeId=${id}`);
      expect(page.json()).toEqual({ comments: [body.comment], nextCursor: null });
    });

    it('strips control characters except newline and tab, and defaults the author to Anonymous', async () => {
      const id = await seedExpose(t.container.store);
      const res = await visitor(t.app).post(COMMENTS, { exposeId: id, body: 'a\u0000b\u0007c\r\nd\u001be\u007f\u0085f\tg' });
      expect(res.statusCode).toBe(201);
      expect(res.json().comment).toMatchObject({ body: 'abc\ndef\tg', authorName: 'Anonymous' });
      const html = await visitor(t.app).post(COMMENTS, { exposeId: id, body: '<script>alert(1)</script>' });
      expect(html.json().comment.body).toBe('<script>alert(1)</script>'); // plain text, stored as sent
    });

    it('pages newest first with ties broken by id, through an opaque cursor', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const created: { id: string; createdAt: string }[] = [];
      for (let i = 0; i < 7; i++) {
        if (i % 3 === 0) clock.advance(1000); // groups of comments share one timestamp
        created.push((await v.post(COMMENTS, { exposeId: id, body: `c${i}` })).json().comment);
      }
      const expected = [...created]
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
        .map((c) => c.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(`exposeId=${id}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json();
        seen.push(...page.comments.map((c: { id: string }) => c.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);
      expect((await list(`exposeId=${id}`)).json().comments).toHaveLength(7);
    });

    it('creates one comment per key and replays the 201', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app);
      const first = await v.post(COMMENTS, { exposeId: id, body: 'once' }, key('c-1'));
      const retry = await v.post(COMMENTS, { exposeId: id, body: 'once' }, key('c-1'));
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toEqual(first.json());
      expect((await v.post(COMMENTS, { exposeId: id, body: 'twice' }, key('c-1'))).statusCode).toBe(422);
      const other = await seedExpose(t.container.store);
      expect((await v.post(COMMENTS, { exposeId: other, body: 'once' }, key('c-1'))).statusCode).toBe(422);
      const concurrent = await Promise.all(
        Array.from({ length: 100 }, () => v.post(COMMENTS, { exposeId: id, body: 'burst' }, key('c-2'))),
      );
      expect(concurrent.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
      expect(await metricsOf(t.container.store, id)).toMatchObject({ comments: 2, version: 2 });
      expect(await metricsOf(t.container.store, other)).toMatchObject({ comments: 0 });
    });

    it('lists the comments of an expired expose but refuses new ones with 410', async () => {
      const id = await seedExpose(t.container.store);
      await visitor(t.app).post(COMMENTS, { exposeId: id, body: 'before' });
      await databaseOf(t.container.store).rows(
        sql`update exposes set expires_at = ${new Date(clock.now().getTime() - 1).toISOString()}::timestamptz where id = ${id}`,
      );
      expect((await list(`exposeId=${id}`)).json().comments).toHaveLength(1);
      const res = await visitor(t.app).post(COMMENTS, { exposeId: id, body: 'after' });
      expect(res.statusCode).toBe(410);
      expect(await metricsOf(t.container.store, id)).toMatchObject({ comments: 1 });
    });

    it('returns an empty page for an expose without comments', async () => {
      const id = await seedExpose(t.container.store);
      expect((await list(`exposeId=${id}`)).json()).toEqual({ comments: [], nextCursor: null });
    });

    const post = (payload: unknown) => () => visitor(t.app).post(COMMENTS, payload);
    const get = (query: string) => () => list(query);
    const wellFormedButUnknown = encodeCursor({ createdAt: new Date('2030-01-01T00:00:00.000Z'), id: 'zzz' });
    const cases: [string, () => Promise<{ statusCode: number; json(): { error: { code: string } } }>, number, string][] = [
      ['empty body', post({ exposeId: 'x', body: '' }), 400, 'invalid_input'],
      ['blank body', post({ exposeId: 'x', body: ' \n\t ' }), 400, 'invalid_input'],
      ['only control characters', post({ exposeId: 'x', body: '\u0000\u0001' }), 400, 'invalid_input'],
      ['body over 2000 characters', post({ exposeId: 'x', body: 'b'.repeat(2001) }), 400, 'invalid_input'],
      ['body not a string', post({ exposeId: 'x', body: 42 }), 400, 'invalid_input'],
      ['missing body', post({ exposeId: 'x' }), 400, 'invalid_input'],
      ['authorName over 40', post({ exposeId: 'x', body: 'b', authorName: 'n'.repeat(41) }), 400, 'invalid_input'],
      ['blank authorName', post({ exposeId: 'x', body: 'b', authorName: '  ' }), 400, 'invalid_input'],
      ['unknown field', post({ exposeId: 'x', body: 'b', html: true }), 400, 'invalid_input'],
      ['unknown expose (post)', post({ exposeId: 'nope', body: 'b' }), 404, 'not_found'],
      ['unknown expose (list)', get('exposeId=nope'), 404, 'not_found'],
      ['missing exposeId (list)', get(''), 400, 'invalid_input'],
      ['limit 0', get('exposeId=x&limit=0'), 400, 'invalid_input'],
      ['limit 51', get('exposeId=x&limit=51'), 400, 'invalid_input'],
      ['limit not a number', get('exposeId=x&limit=ten'), 400, 'invalid_input'],
      ['garbage cursor', get('exposeId=x&cursor=garbage'), 400, 'invalid_input'],
      ['cursor of another shape', get(`exposeId=x&cursor=${Buffer.from('{"a":1}').toString('base64url')}`), 400, 'invalid_input'],
      ['cursor past the end of an unknown expose', get(`exposeId=nope&cursor=${wellFormedButUnknown}`), 404, 'not_found'],
    ];
    it.each(cases)('answers %s with the error body', async (_name, send, status, code) => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });

    it('names the failing field', async () => {
      expect((await post({ exposeId: 'x', body: '' })()).json().error.message).toMatch(/body/);
      expect((await post({ exposeId: 'x', body: 'b', authorName: 'n'.repeat(41) })()).json().error.message).toMatch(/authorName/);
    });
  });
}

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveComment, LiveSnapshot, MetricsBus } from '@/lib/server/live/bus';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { signedInVisitor, visitor } from '../helpers/http';

/** A bus that records what the writes publish. */
function recordingBus(): MetricsBus & { events: LiveSnapshot[]; comments: LiveComment[] } {
  const events: LiveSnapshot[] = [];
  const comments: LiveComment[] = [];
  return {
    events,
    comments,
    publish: (s) => void events.push(s),
    publishComment: (c) => void comments.push(c),
    subscribe: () => () => {},
    listenerCount: () => 0,
    close: async () => {},
  };
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

for (const database of testDatabases()) {
  describe(`writes publish committed changes (and only those) on ${database.name}`, () => {
    const bus = recordingBus();
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides: { rateLimitsEnabled: false, maintenance: false, bus } });
    });
    beforeEach(() => {
      bus.events.length = 0;
      bus.comments.length = 0;
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const versions = () => bus.events.map((e) => e.version);

    it('publishes each change once, without myVote, and nothing for no-ops, replays and failures', async () => {
      const id = await seedExpose(t.container.store);
      const expired = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      const v = await signedInVisitor(t.app, { userAgent: UA });
      const vote = await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
      await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }); // same state
      expect(bus.events).toEqual([{ exposeId: id, version: 1, metrics: vote.json().metrics }]);

      await v.post('/api/expose/views', { exposeId: id });
      await v.post('/api/expose/views', { exposeId: id }); // seen
      await visitor(t.app, { userAgent: 'Googlebot/2.1' }).post('/api/expose/views', { exposeId: id });
      expect(versions()).toEqual([1, 2]);

      const key = { 'idempotency-key': 'pub-1' };
      await v.post('/api/expose/share', { exposeId: id }, key);
      await v.post('/api/expose/share', { exposeId: id }, key); // replay
      await v.post('/api/expose/comments', { exposeId: id, body: 'hi' });
      await v.post('/api/expose/comments', { exposeId: expired, body: 'late' }); // 410
      await v.post('/api/expose/share', { exposeId: expired }); // 410
      expect(versions()).toEqual([1, 2, 3, 4]);
      expect(bus.events.every((e) => !('myVote' in e) && e.exposeId === id)).toBe(true);
      expect(bus.events.at(-1)!.metrics).toMatchObject({ upvotes: 1, views: 1, shares: 1, comments: 1 });
    });

    it('publishes each committed comment once, as the API returned it, and nothing for replays and failures', async () => {
      const id = await seedExpose(t.container.store);
      const expired = await seedExpose(t.container.store, { expiresAt: new Date(Date.now() - 1000) });
      const v = await signedInVisitor(t.app, { userAgent: UA });
      const key = { 'idempotency-key': 'pub-comment-1' };
      const first = await v.post('/api/expose/comments', { exposeId: id, body: '  hello\r\nworld ', authorName: 'Ann' }, key);
      await v.post('/api/expose/comments', { exposeId: id, body: '  hello\r\nworld ', authorName: 'Ann' }, key); // replay
      await v.post('/api/expose/comments', { exposeId: expired, body: 'late' }); // 410
      const second = await v.post('/api/expose/comments', { exposeId: id, body: 'again' });
      expect(bus.comments).toEqual([first.json().comment, second.json().comment]);
      expect(bus.comments[0]).toEqual({ id: expect.any(String), exposeId: id, body: 'hello\nworld', authorName: 'Ann', createdAt: expect.any(String) });
      expect(versions()).toEqual([1, 2]);
    });
  });
}

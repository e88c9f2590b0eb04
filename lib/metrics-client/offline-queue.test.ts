import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsEngine } from './engine';
import { SENDER_LOCK } from './op-queue';
import { indexedDbQueueStorage } from './queue-storage';
import { json, snap, type FakeCall } from './testing/fake-fetch';
import { createLockManager } from './testing/locks';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';
/** Lets IndexedDB (fake-indexeddb runs on setImmediate, left real) and the engine's timers move on. */
async function flush() {
  for (let i = 0; i < 8; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(0);
  }
}
const posts = (calls: FakeCall[]) => calls.filter((c) => c.method === 'POST');
let db = 0;
const freshDb = () => `queue-test-${process.pid}-${++db}`;

/** Answers every write like the server would, counting per key (a replayed key counts once). */
function serverLike() {
  const counted = new Map<string, number>();
  let version = 10;
  const state = { shares: 3, comments: 0, upvotes: 0, downvotes: 0, myVote: null as 'upvote' | 'downvote' | null };
  const responder = (call: FakeCall) => {
    if (call.method !== 'POST') return json(200, { items: [snap(ID, version, state, state.myVote)] });
    const key = call.headers['Idempotency-Key'] ?? '';
    const first = !counted.has(key);
    counted.set(key, (counted.get(key) ?? 0) + 1);
    const body = call.body as { voteType?: string; body?: string };
    if (first) {
      version += 1;
      if (call.path === '/api/expose/share') state.shares += 1;
      if (call.path === '/api/expose/comments') state.comments += 1;
      if (call.path === '/api/expose/vote') {
        const target = body.voteType === 'none' ? null : (body.voteType as 'upvote' | 'downvote');
        if (state.myVote === 'upvote') state.upvotes -= 1;
        if (state.myVote === 'downvote') state.downvotes -= 1;
        if (target === 'upvote') state.upvotes += 1;
        if (target === 'downvote') state.downvotes += 1;
        state.myVote = target;
      }
    }
    const s = snap(ID, version, state, state.myVote);
    if (call.path === '/api/expose/comments') {
      return json(201, { ...s, comment: { id: `c-${key}`, exposeId: ID, body: body.body, authorName: 'Anonymous', createdAt: new Date().toISOString() } });
    }
    return json(200, s);
  };
  return { responder, counted, state };
}

describe('offline queue (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps writes made offline in order, survives a closed tab, and sends them once with their keys', async () => {
    const dbName = freshDb();
    const server = serverLike();
    const first = makeEngine({ queueStorage: indexedDbQueueStorage(dbName), responder: server.responder });
    first.signals.setOnline(false);
    first.engine.register(snap(ID, 10, { shares: 3 }, null));
    void first.engine.share(ID);
    void first.engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(300); // the vote's debounce
    void first.engine.comment(ID, 'from the train');
    await flush();
    expect(first.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4, upvotes: 1, comments: 1 }, pendingCount: 3 });
    expect(first.engine.getSyncStatus()).toMatchObject({ pending: 3, offline: true });
    expect(first.fake.calls).toHaveLength(0);
    first.engine.dispose(); // the tab is closed

    const second = makeEngine({ queueStorage: indexedDbQueueStorage(dbName), responder: server.responder, randomUUID: () => 'other' });
    second.engine.register(snap(ID, 10, { shares: 3 }, null));
    await flush();
    await flush();
    expect(posts(second.fake.calls).map((c) => [c.path, c.headers['Idempotency-Key']])).toEqual([
      ['/api/expose/share', 'op-1'],
      ['/api/expose/vote', 'op-2'],
      ['/api/expose/comments', 'op-3'],
    ]);
    expect(server.state).toMatchObject({ shares: 4, upvotes: 1, comments: 1 });
    expect(second.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4, upvotes: 1, comments: 1 }, pendingCount: 0 });
    expect(second.engine.getSyncStatus()).toMatchObject({ pending: 0, offline: false, syncedAt: expect.any(Number) });
    expect(second.events.filter((e) => e.type === 'synced')).toHaveLength(1);
    expect(await indexedDbQueueStorage(dbName).load()).toEqual([]);
    second.engine.dispose();
  });

  it('a vote still inside its debounce when the page is hidden is queued at once and survives the closed tab', async () => {
    const dbName = freshDb();
    const server = serverLike();
    const first = makeEngine({ queueStorage: indexedDbQueueStorage(dbName), responder: server.responder });
    first.signals.setOnline(false); // the request cannot leave before the tab is gone
    first.engine.register(snap(ID, 10, { shares: 3 }, null));
    void first.engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(100); // within the 300 ms debounce
    first.engine.flushVotes(); // pagehide
    await flush();
    expect(await indexedDbQueueStorage(dbName).load()).toMatchObject([{ kind: 'vote', payload: { target: 'upvote' } }]);
    first.engine.dispose(); // the tab is closed

    const second = makeEngine({ queueStorage: indexedDbQueueStorage(dbName), responder: server.responder, randomUUID: () => 'other' });
    second.engine.register(snap(ID, 10, { shares: 3 }, null));
    await flush();
    await flush();
    expect(posts(second.fake.calls).map((c) => c.path)).toEqual(['/api/expose/vote']);
    expect(server.state).toMatchObject({ upvotes: 1, myVote: 'upvote' });
    second.engine.dispose();
  });

  it('shows a restored op as pending on top of the page snapshot after a reload', async () => {
    const dbName = freshDb();
    const first = makeEngine({ queueStorage: indexedDbQueueStorage(dbName) });
    first.signals.setOnline(false);
    first.engine.register(snap(ID, 10, { shares: 3 }, null));
    void first.engine.share(ID);
    await flush();
    first.engine.dispose();
    const second = makeEngine({ queueStorage: indexedDbQueueStorage(dbName) });
    second.signals.setOnline(false);
    await flush();
    second.engine.register(snap(ID, 10, { shares: 3 }, null));
    expect(second.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, pendingCount: 1, version: 10 });
    second.engine.dispose();
  });

  it('merges queued votes of one expose: only the final target is sent', async () => {
    const server = serverLike();
    const t = makeEngine({ responder: server.responder });
    t.signals.setOnline(false);
    t.engine.register(snap(ID, 10, {}, null));
    void t.engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(1000);
    void t.engine.vote(ID, 'downvote');
    await vi.advanceTimersByTimeAsync(1000);
    void t.engine.share(ID);
    await flush();
    expect(t.engine.getSnapshot(ID)).toMatchObject({ myVote: 'downvote', metrics: { downvotes: 1, upvotes: 0 } });
    t.signals.setOnline(true);
    await flush();
    await flush();
    const votes = posts(t.fake.calls).filter((c) => c.path === '/api/expose/vote');
    expect(votes.map((c) => c.body)).toEqual([{ exposeId: ID, voteType: 'downvote' }]);
    expect(t.events.some((e) => e.type === 'op_dropped' && e.reason === 'merged')).toBe(true);
    expect(server.state).toMatchObject({ downvotes: 1, upvotes: 0, shares: 4 });
  });

  it('drops an op older than 24 h with a notice instead of sending it', async () => {
    const t = makeEngine();
    t.signals.setOnline(false);
    t.engine.register(snap(ID, 10, { shares: 3 }, null));
    const result = t.engine.share(ID);
    await flush();
    vi.setSystemTime(Date.now() + 24 * 3_600_000 + 1);
    t.signals.setOnline(true);
    await flush();
    await expect(result).resolves.toBe(false);
    expect(posts(t.fake.calls)).toHaveLength(0);
    expect(t.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 3 }, error: { code: 'offline_expired' } });
    expect(t.events.some((e) => e.type === 'dropped_expired')).toBe(true);
  });

  it('a first write waits for a session: one GET goes first and its cookie carries the write (gap 2)', async () => {
    const t = makeEngine({ hasSession: false });
    t.engine.register(snap(ID, 10, { shares: 3 }, null));
    void t.engine.share(ID);
    await flush();
    expect(t.fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/expose/metrics']);
    t.fake.last().respond(json(200, { items: [snap(ID, 10, { shares: 3 }, null)] }));
    await flush();
    expect(t.fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/expose/metrics', 'POST /api/expose/share']);
    t.fake.last().respond(json(200, snap(ID, 11, { shares: 4 })));
    await flush();
    void t.engine.share(ID); // the session is known now: no second GET
    await flush();
    expect(t.fake.calls.at(-1)?.path).toBe('/api/expose/share');
  });
});

describe('offline queue across tabs (real timers, BroadcastChannel, one lock manager)', () => {
  const tabs: MetricsEngine[] = [];
  afterEach(() => {
    tabs.splice(0).forEach((e) => e.dispose());
  });

  function tab(name: string, dbName: string, locks: ReturnType<typeof createLockManager>, responder?: (c: FakeCall) => Response | undefined) {
    const t = makeEngine({
      queueStorage: indexedDbQueueStorage(dbName),
      channel: new BroadcastChannel(`ops-${dbName}`),
      locks,
      randomUUID: ((n = 0) => () => `${name}-${++n}`)(),
      policy: { voteDebounceMs: 0 },
      ...(responder && { responder }),
    });
    tabs.push(t.engine);
    t.engine.register(snap(ID, 10, { shares: 3 }, null));
    return t;
  }

  it('one tab sends; a vote in another shows pending in both at once and reaches the server once', async () => {
    const dbName = freshDb();
    const locks = createLockManager();
    const server = serverLike();
    const a = tab('a', dbName, locks, server.responder);
    const b = tab('b', dbName, locks, server.responder);
    await vi.waitFor(() => expect(a.engine.isQueueSender).toBe(true));
    expect(b.engine.isQueueSender).toBe(false);
    a.signals.setOnline(false); // hold the sender so the pending state can be seen
    void b.engine.vote(ID, 'upvote');
    await vi.waitFor(() => expect(a.engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 1 }, pendingCount: 1 }));
    expect(b.engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', pendingCount: 1 });
    a.signals.setOnline(true);
    await vi.waitFor(() => expect(b.engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 1 }, pendingCount: 0 }));
    expect(posts(a.fake.calls)).toHaveLength(1);
    expect(posts(b.fake.calls)).toHaveLength(0);
    expect(server.state.upvotes).toBe(1);
    expect(locks.holders(SENDER_LOCK)).toBe(1);
  });

  it('a page going into the back/forward cache gives the sender lock to the next page, and takes it back when shown', async () => {
    const dbName = freshDb();
    const locks = createLockManager();
    const server = serverLike();
    const cached = tab('cached', dbName, locks, server.responder);
    await vi.waitFor(() => expect(cached.engine.isQueueSender).toBe(true));
    const next = tab('next', dbName, locks, server.responder);
    cached.engine.suspendSending(); // pagehide, persisted
    await vi.waitFor(() => expect(next.engine.isQueueSender).toBe(true));
    expect(cached.engine.isQueueSender).toBe(false);
    expect(locks.holders(SENDER_LOCK)).toBe(1);
    // The new page sends; the cached one (frozen in a browser) sends nothing.
    void next.engine.share(ID);
    await vi.waitFor(() => expect(next.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, pendingCount: 0 }));
    expect(posts(next.fake.calls)).toHaveLength(1);
    expect(posts(cached.fake.calls)).toHaveLength(0);
    // Back: the cached page is shown again and the other page is gone; it is the sender once more.
    cached.engine.resumeSending(); // pageshow, persisted
    next.engine.dispose();
    await vi.waitFor(() => expect(cached.engine.isQueueSender).toBe(true));
    void cached.engine.share(ID);
    await vi.waitFor(() => expect(posts(cached.fake.calls)).toHaveLength(1));
    await vi.waitFor(() => expect(server.state.shares).toBe(5));
    expect(locks.holders(SENDER_LOCK)).toBe(1);
  });

  it('hands over: when the sending tab closes mid-request, the next tab re-sends with the same key, counted once', async () => {
    const dbName = freshDb();
    const locks = createLockManager();
    const server = serverLike();
    // Tab a reaches the server but never hears back (the tab closes first).
    const a = tab('a', dbName, locks, (call) => {
      if (call.method === 'POST') server.responder(call);
      return call.method === 'POST' ? undefined : server.responder(call);
    });
    await vi.waitFor(() => expect(a.engine.isQueueSender).toBe(true));
    const b = tab('b', dbName, locks, server.responder);
    void a.engine.share(ID);
    await vi.waitFor(() => expect(posts(a.fake.calls)).toHaveLength(1));
    await vi.waitFor(() => expect(b.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, pendingCount: 1 }));
    a.engine.dispose();
    await vi.waitFor(() => expect(b.engine.isQueueSender).toBe(true));
    await vi.waitFor(() => expect(posts(b.fake.calls)).toHaveLength(1));
    expect(posts(b.fake.calls)[0]?.headers['Idempotency-Key']).toBe(posts(a.fake.calls)[0]?.headers['Idempotency-Key']);
    await vi.waitFor(() => expect(b.engine.getSnapshot(ID)).toMatchObject({ metrics: { shares: 4 }, pendingCount: 0 }));
    expect(server.state.shares).toBe(4);
    expect([...server.counted.values()]).toEqual([2]); // sent twice, counted once
  });
});

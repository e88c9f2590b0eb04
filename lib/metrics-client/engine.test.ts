import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, snap, type FakeCall } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const flush = () => vi.advanceTimersByTimeAsync(0);
const posts = (calls: FakeCall[]) => calls.filter((c) => c.method === 'POST');
const comment = { id: 'c9', exposeId: 'a', body: 'hello', authorName: 'Ann', createdAt: '2024-01-01T00:00:00.000Z' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('wire format', () => {
  it.each([
    ['share', '/api/expose/share', { exposeId: 'a', channel: 'x' }],
    ['view', '/api/expose/views', { exposeId: 'a' }],
    ['comment', '/api/expose/comments', { exposeId: 'a', body: 'hi', authorName: 'Ann' }],
  ] as const)('%s posts JSON with Idempotency-Key and same-origin credentials', async (kind, path, body) => {
    const { engine, fake } = makeEngine();
    if (kind === 'share') void engine.share('a', 'x');
    if (kind === 'view') void engine.view('a');
    if (kind === 'comment') void engine.comment('a', 'hi', ' Ann ');
    await flush();
    const call = fake.last();
    expect(call).toMatchObject({ method: 'POST', url: path, body, credentials: 'same-origin' });
    expect(call.headers).toMatchObject({ 'Content-Type': 'application/json', 'Idempotency-Key': 'op-1' });
  });

  it('gives every op its own key', async () => {
    const { engine, fake } = makeEngine({ responder: () => json(200, snap('a', 1, { shares: 1 })) });
    void engine.share('a');
    void engine.share('a');
    await flush();
    expect(fake.calls.map((c) => c.headers['Idempotency-Key'])).toEqual(['op-1', 'op-2']);
  });
});

describe('ack handling', () => {
  it('a comment shows at once as pending and, once created, as a comment (count moves once)', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1, { comments: 2 }));
    const result = engine.comment('a', 'hello', 'Ann');
    expect(engine.getSnapshot('a')).toMatchObject({ metrics: { comments: 3 }, pendingComments: [{ body: 'hello', authorName: 'Ann' }] });
    await flush();
    posts(fake.calls)[0]?.respond(json(201, { ...snap('a', 2, { comments: 3 }), comment }));
    await expect(result).resolves.toEqual({ ok: true, comment });
    expect(engine.getSnapshot('a')).toMatchObject({ metrics: { comments: 3 }, pendingComments: [], createdComments: [comment] });
  });

  it('sends queued writes one at a time, in order, and never double counts', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 10, { shares: 3, comments: 2 }));
    void engine.share('a');
    void engine.comment('a', 'hello');
    await flush();
    expect(posts(fake.calls).map((c) => c.path)).toEqual(['/api/expose/share']);
    expect(engine.getSnapshot('a')?.metrics).toMatchObject({ shares: 4, comments: 3 });
    posts(fake.calls)[0]?.respond(json(200, snap('a', 11, { shares: 4, comments: 2 })));
    await flush();
    expect(posts(fake.calls).map((c) => c.path)).toEqual(['/api/expose/share', '/api/expose/comments']);
    expect(engine.getSnapshot('a')?.metrics).toMatchObject({ shares: 4, comments: 3 });
    posts(fake.calls)[1]?.respond(json(201, { ...snap('a', 12, { shares: 4, comments: 3 }), comment }));
    await flush();
    expect(engine.getSnapshot('a')).toMatchObject({ metrics: { shares: 4, comments: 3 }, version: 12, isUpdating: false });
  });

  it('a refresh that started before the ack cannot undo a pending share', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 10, { shares: 3 }));
    const refresh = engine.refreshMetrics();
    const refreshCall = fake.last();
    void engine.share('a');
    await flush();
    const shareCall = fake.last();
    shareCall.respond(json(200, snap('a', 11, { shares: 4 })));
    await flush();
    refreshCall.respond(json(200, { items: [snap('a', 10, { shares: 3 })] }));
    await refresh;
    expect(engine.getSnapshot('a')?.metrics.shares).toBe(4);
  });
});

describe('views', () => {
  it('sends one view per expose per engine lifetime', async () => {
    const { engine, fake } = makeEngine();
    const a = engine.view('a');
    const b = engine.view('a');
    expect(fake.calls).toHaveLength(1);
    fake.last().respond(json(200, { ...snap('a', 2, { views: 1 }), counted: true }));
    expect(await Promise.all([a, b])).toEqual([true, true]);
    await expect(engine.view('a')).resolves.toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(engine.getSnapshot('a')?.metrics.views).toBe(1);
  });
});

describe('subscriptions', () => {
  it('notifies only the changed expose, and views stay referentially stable', () => {
    const { engine } = makeEngine();
    engine.register(snap('a', 1));
    engine.register(snap('b', 1));
    const onA = vi.fn();
    const onB = vi.fn();
    engine.subscribe('a', onA);
    engine.subscribe('b', onB);
    const before = engine.getSnapshot('b');
    expect(engine.getSnapshot('a')).toBe(engine.getSnapshot('a'));
    void engine.share('a');
    expect(onA).toHaveBeenCalled();
    expect(onB).not.toHaveBeenCalled();
    expect(engine.getSnapshot('b')).toBe(before);
  });

  it('applyServerSnapshot (live events) goes through the version rule', () => {
    const { engine } = makeEngine();
    engine.register(snap('a', 5, { views: 5 }));
    engine.applyServerSnapshot(snap('a', 4, { views: 1 }));
    expect(engine.getSnapshot('a')?.metrics.views).toBe(5);
    engine.applyServerSnapshot(snap('a', 6, { views: 6 }));
    expect(engine.getSnapshot('a')?.metrics.views).toBe(6);
  });
});

describe('event log', () => {
  it('records queued, sent, retry scheduled and ack in order', async () => {
    const { engine, fake, events } = makeEngine();
    const done = engine.share('a');
    await flush();
    fake.last().respond(json(503, { error: { code: 'unavailable', message: 'x' } }));
    await vi.advanceTimersByTimeAsync(1000);
    fake.last().respond(json(200, snap('a', 1, { shares: 1 })));
    await done;
    expect(events.map((e) => e.type)).toEqual(['op_queued', 'request_sent', 'retry_scheduled', 'request_sent', 'ack']);
  });
});

describe('comments listing', () => {
  it('GETs a page with cursor and limit', async () => {
    const { engine, fake } = makeEngine();
    const page = engine.listComments('a', { limit: 5, cursor: 'xyz' });
    expect(fake.last().url).toBe('/api/expose/comments?exposeId=a&limit=5&cursor=xyz');
    fake.last().respond(json(200, { comments: [comment], nextCursor: null }));
    await expect(page).resolves.toEqual({ ok: true, value: { comments: [comment], nextCursor: null } });
  });
});

describe('dispose', () => {
  it('cancels every timer, aborts requests in flight and settles every promise', async () => {
    const { engine, fake, signals } = makeEngine();
    engine.register(snap('a', 1, {}, null)); // refresh timer
    const share = engine.share('a'); // in flight
    const vote = engine.vote('a', 'upvote'); // debouncing
    const retried = engine.share('b'); // queued behind the first
    await flush();
    signals.setOnline(false);
    const offline = engine.comment('a', 'x'); // queued offline
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    engine.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(engine.activeTimerCount).toBe(0);
    expect(fake.calls[0]?.signal.aborted).toBe(true); // in flight at dispose
    expect(signals.listenerCount).toBe(0);
    expect(await Promise.all([share, vote, retried])).toEqual([false, false, false]);
    await expect(offline).resolves.toMatchObject({ ok: false });
    await expect(engine.share('a')).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.calls).toHaveLength(1);
  });
});

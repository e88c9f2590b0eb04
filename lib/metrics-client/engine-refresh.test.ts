import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refresh', () => {
  it('fetches all registered exposes in one request every 30 s', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1, {}, null));
    engine.register(snap('b', 1, {}, null));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(fake.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a,b']);
    expect(fake.last().method).toBe('GET');
    fake.last().respond(json(200, { items: [snap('a', 5, { views: 9 }), snap('b', 1)] }));
    await flush();
    expect(engine.getSnapshot('a')?.metrics.views).toBe(9);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls).toHaveLength(2);
  });

  it('skips ticks while something is pending or the tab is hidden, and catches up on return', async () => {
    const { engine, fake, signals } = makeEngine();
    engine.register(snap('a', 1, {}, null));
    void engine.share('a');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    fake.calls[0]?.respond(json(200, snap('a', 2, { shares: 1 })));
    signals.setVisible(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    signals.setVisible(true);
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(1);
  });

  it('stops when the last expose is unregistered; refreshMetrics() shares one request', async () => {
    const { engine, fake } = makeEngine();
    const off = engine.register(snap('a', 1, {}, null));
    const p1 = engine.refreshMetrics();
    const p2 = engine.refreshMetrics();
    expect(fake.calls).toHaveLength(1);
    fake.last().respond(json(500, { error: { code: 'internal', message: 'x' } }));
    expect(await Promise.all([p1, p2])).toEqual([false, false]);
    off();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.calls).toHaveLength(1);
    expect(engine.activeTimerCount).toBe(0);
  });
});

describe('refresh batching', () => {
  it('splits more than 100 ids into several requests', async () => {
    const { engine, fake } = makeEngine();
    for (let i = 0; i < 150; i++) engine.register(snap(`e${i}`, 1, {}, null));
    const done = engine.refreshMetrics();
    expect(fake.calls).toHaveLength(1);
    expect(fake.last().url.split('ids=')[1]?.split(',')).toHaveLength(100);
    fake.last().respond(json(200, { items: [] }));
    await flush();
    expect(fake.calls).toHaveLength(2);
    expect(fake.last().url.split('ids=')[1]?.split(',')).toHaveLength(50);
    fake.last().respond(json(200, { items: [] }));
    await expect(done).resolves.toBe(true);
  });

  it('counts an expose shown by two cards until both are gone', async () => {
    const { engine, fake } = makeEngine();
    const offA = engine.register(snap('a', 1, {}, null));
    const offB = engine.register(snap('a', 1, {}, null));
    offA();
    offA(); // idempotent
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a']);
    fake.last().respond(json(200, { items: [] }));
    offB();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('vote lookup (a page shared by every visitor carries no myVote)', () => {
  it('asks once, in one batched request, for every expose registered without myVote', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 5, { upvotes: 3 }));
    engine.register(snap('b', 2));
    engine.register(snap('c', 1, {}, 'downvote')); // known already: not asked for
    expect(fake.calls).toHaveLength(0);
    await flush();
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a,b']);
    fake.last().respond(json(200, { items: [snap('a', 5, { upvotes: 3 }, 'upvote'), snap('b', 2, {}, null)] }));
    await flush();
    expect(engine.getSnapshot('a')).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 3 } });
    expect(engine.getSnapshot('b')?.myVote).toBeNull();
    // Known now: registering the same exposes again (a second visit of the page) asks nothing.
    engine.register(snap('a', 5, { upvotes: 3 }));
    await flush();
    expect(fake.calls).toHaveLength(1);
  });

  it('keeps the version rule: an older reply changes no number; a click before it waits for the known vote', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 7, { upvotes: 3 }));
    await flush();
    const lookup = fake.last();
    void engine.vote('a', 'upvote');
    lookup.respond(json(200, { items: [snap('a', 6, { upvotes: 2 }, null)] }));
    await flush();
    // Older metrics ignored; the vote (null, as of v6) is the base of the click.
    expect(engine.getSnapshot('a')).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 4 }, pendingCount: 1 });
    await vi.advanceTimersByTimeAsync(300); // vote debounce
    const vote = fake.calls.find((c) => c.path === '/api/expose/vote');
    expect(vote?.body).toMatchObject({ exposeId: 'a', voteType: 'upvote' });
    vote?.respond(json(200, snap('a', 8, { upvotes: 4 }, 'upvote')));
    await flush();
    expect(engine.getSnapshot('a')).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 4 }, pendingCount: 0 });
  });

  it('a click made before the caller\'s vote is known toggles the real vote (issue 12, gap 1)', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 7, { upvotes: 3 })); // a shared page: no myVote
    await flush();
    const lookup = fake.last();
    const clicked = engine.vote('a', 'upvote'); // the person had upvoted already: this click takes it back
    lookup.respond(json(200, { items: [snap('a', 7, { upvotes: 3 }, 'upvote')] }));
    await flush();
    expect(engine.getSnapshot('a')).toMatchObject({ myVote: null, metrics: { upvotes: 2 } });
    await vi.advanceTimersByTimeAsync(300);
    const vote = fake.calls.find((c) => c.path === '/api/expose/vote');
    expect(vote?.body).toEqual({ exposeId: 'a', voteType: 'none' });
    vote?.respond(json(200, snap('a', 8, { upvotes: 2 }, null)));
    await expect(clicked).resolves.toBe(true);
  });

  it('a click offline before the vote is known acts on the vote shown (nothing to wait for)', async () => {
    const { engine, fake, signals } = makeEngine();
    signals.setOnline(false);
    engine.register(snap('a', 7, { upvotes: 3 }));
    void engine.vote('a', 'upvote');
    expect(engine.getSnapshot('a')).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 4 } });
    expect(fake.calls).toHaveLength(0);
  });

  it('retries a failed lookup by the policy (nothing else would ask while the stream is live)', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1));
    await flush();
    fake.last().respond(json(503, { error: { code: 'unavailable', message: 'x' } }));
    await flush();
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toHaveLength(2);
    fake.last().respond(json(200, { items: [snap('a', 1, {}, 'downvote')] }));
    await flush();
    expect(engine.getSnapshot('a')?.myVote).toBe('downvote');
  });

  it('drops the lookup of an expose unregistered before it left, and dispose cancels it', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1))();
    engine.register(snap('b', 1));
    await flush();
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=b']);
    engine.register(snap('c', 1));
    engine.dispose();
    await flush();
    expect(fake.calls).toHaveLength(1);
    expect(engine.activeTimerCount).toBe(0);
  });
});

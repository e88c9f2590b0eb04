import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsSnapshot } from '@/lib/contracts/core';
import type { LiveEventSource } from './live-source';
import type { LiveStatus } from './live-stream';
import { DEFAULT_POLICY, liveReconnectDelayMs } from './policy';
import { json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

type Listener = (event: { data?: unknown }) => void;

/** A fresh fake EventSource class per test; the test plays the server. */
function fakeEventSources() {
  const instances: FakeSource[] = [];
  class FakeSource implements LiveEventSource {
    closed = false;
    private readonly listeners = new Map<string, Listener[]>();
    constructor(readonly url: string) {
      instances.push(this);
    }
    addEventListener(type: string, listener: Listener): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }
    close(): void {
      this.closed = true;
    }
    get ids(): string[] {
      return decodeURIComponent(this.url.split('ids=')[1] ?? '').split(',');
    }
    send(s: MetricsSnapshot | string): void {
      const data = typeof s === 'string' ? s : JSON.stringify(s);
      for (const l of this.listeners.get('metrics') ?? []) l({ data });
    }
    error(): void {
      for (const l of this.listeners.get('error') ?? []) l({});
    }
  }
  const open = () => instances.filter((s) => !s.closed);
  const last = (): FakeSource => {
    const s = instances.at(-1);
    if (!s) throw new Error('no EventSource was opened');
    return s;
  };
  return { EventSource: FakeSource, instances, open, last };
}

const DEBOUNCE = DEFAULT_POLICY.liveResubscribeDebounceMs;

function setup(random = () => 0) {
  const es = fakeEventSources();
  const made = makeEngine({ eventSource: es.EventSource, random });
  const statuses: LiveStatus[] = [];
  made.engine.onLiveStatusChange((s) => statuses.push(s));
  const gets = () => made.fake.calls.filter((c) => c.path === '/api/expose/metrics');
  return { ...made, es, statuses, gets };
}

/** Registers the ids, lets the debounce pass and makes the stream deliver a snapshot of each. */
async function live(ctx: ReturnType<typeof setup>, ids: string[], version = 1) {
  const offs = ids.map((id) => ctx.engine.register(snap(id, version, {}, null)));
  await vi.advanceTimersByTimeAsync(DEBOUNCE);
  for (const id of ids) ctx.es.last().send(snap(id, version));
  return offs;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('subscription', () => {
  it('opens one stream for every expose on the page, once registration has settled', async () => {
    const ctx = setup();
    for (const id of ['c', 'a', 'b']) ctx.engine.register(snap(id, 1));
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    expect(ctx.es.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ctx.es.instances.map((s) => s.url)).toEqual(['/api/expose/stream?ids=a,b,c']);
    expect(ctx.engine.liveStatus).toBe('connecting');
    ctx.es.last().send(snap('a', 1));
    expect(ctx.engine.liveStatus).toBe('live');
    expect(ctx.statuses).toEqual(['connecting', 'live']);
  });

  it('re-subscribes with the new set after the set changed and settled', async () => {
    const ctx = setup();
    const [offA] = await live(ctx, ['a', 'b']);
    offA?.();
    ctx.engine.register(snap('d', 1));
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    ctx.engine.register(snap('e', 1));
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    expect(ctx.es.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ctx.es.instances).toHaveLength(2);
    expect(ctx.es.instances[0]?.closed).toBe(true);
    expect(ctx.es.open().map((s) => s.ids)).toEqual([['b', 'd', 'e']]);
  });

  it('keeps the stream when the set ends up the same, and closes it when the set is empty', async () => {
    const ctx = setup();
    const [offA] = await live(ctx, ['a']);
    const offA2 = ctx.engine.register(snap('a', 1)); // a second card showing the same expose
    offA?.();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(ctx.es.instances).toHaveLength(1);
    expect(ctx.engine.liveStatus).toBe('live');
    offA2();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(ctx.es.open()).toHaveLength(0);
    expect(ctx.engine.liveStatus).toBe('off');
    expect(ctx.signals.listenerCount).toBe(1); // the engine's own, for the offline banner's status
  });

  it('splits more than 100 exposes over several streams and is live once each has delivered', async () => {
    const ctx = setup();
    const ids = Array.from({ length: 150 }, (_, i) => `e${String(i).padStart(3, '0')}`);
    ids.forEach((id) => ctx.engine.register(snap(id, 1)));
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    const [first, second] = ctx.es.instances;
    expect(ctx.es.instances).toHaveLength(2);
    expect(first?.ids).toEqual(ids.slice(0, 100));
    expect(second?.ids).toEqual(ids.slice(100));
    first?.send(snap('e000', 2));
    expect(ctx.engine.liveStatus).toBe('connecting');
    second?.send(snap('e100', 2));
    expect(ctx.engine.liveStatus).toBe('live');
  });
});

describe('events', () => {
  it('go through the version rule: an older version never overwrites a newer one', async () => {
    const ctx = setup();
    ctx.engine.register(snap('a', 5, { upvotes: 5 }, 'upvote'));
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    const stream = ctx.es.last();
    stream.send(snap('a', 4, { upvotes: 4 }));
    expect(ctx.engine.getSnapshot('a')).toMatchObject({ version: 5, metrics: { upvotes: 5 } });
    stream.send(snap('a', 7, { upvotes: 6, comments: 1 }));
    expect(ctx.engine.getSnapshot('a')).toMatchObject({ version: 7, metrics: { upvotes: 6, comments: 1 }, myVote: 'upvote' });
    stream.send(snap('a', 6, { upvotes: 5 }));
    expect(ctx.engine.getSnapshot('a')).toMatchObject({ version: 7, metrics: { upvotes: 6 } });
    expect(ctx.events.filter((e) => e.type === 'snapshot' && e.source === 'live')).toHaveLength(3);
  });

  it('ignore a myVote on the stream (it is the same for everyone) and malformed data', async () => {
    const ctx = setup();
    ctx.engine.register(snap('a', 1, {}, 'upvote'));
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    const stream = ctx.es.last();
    stream.send('not json');
    stream.send(JSON.stringify({ exposeId: 'a', version: 9 }));
    expect(ctx.engine.getSnapshot('a')?.version).toBe(1);
    expect(ctx.engine.liveStatus).toBe('connecting');
    stream.send(snap('a', 2, { downvotes: 1 }, 'downvote'));
    expect(ctx.engine.getSnapshot('a')).toMatchObject({ version: 2, myVote: 'upvote', metrics: { downvotes: 1 } });
  });

  it('add to an optimistic vote instead of flickering it away', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    void ctx.engine.vote('a', 'upvote');
    expect(ctx.engine.getSnapshot('a')?.metrics.upvotes).toBe(1);
    ctx.es.last().send(snap('a', 2, { upvotes: 1 })); // someone else's upvote
    expect(ctx.engine.getSnapshot('a')).toMatchObject({ metrics: { upvotes: 2 }, myVote: 'upvote' });
  });
});

describe('reconnect', () => {
  it.each([
    [0, 1_000],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 30_000],
    [50, 30_000],
  ])('after %i failures waits %i ms (before jitter)', (failures, ms) => {
    expect(liveReconnectDelayMs(DEFAULT_POLICY, failures, () => 0)).toBe(ms);
  });

  it('jitters each wait down by at most half', () => {
    expect(liveReconnectDelayMs(DEFAULT_POLICY, 0, () => 0.5)).toBe(750);
    expect(liveReconnectDelayMs(DEFAULT_POLICY, 5, () => 0.999_999)).toBe(15_000);
  });

  it('closes the failed stream itself and reconnects on the backoff schedule, reset once it delivers', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    const opened: number[] = [];
    let t = 0;
    for (let i = 0; i < 7; i++) {
      const before = ctx.es.instances.length;
      ctx.es.last().error();
      expect(ctx.es.open()).toHaveLength(0);
      expect(ctx.engine.liveStatus).toBe('down');
      while (ctx.es.instances.length === before) {
        await vi.advanceTimersByTimeAsync(250);
        t += 250;
      }
      opened.push(t);
      t = 0;
    }
    expect(opened).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    ctx.es.last().send(snap('a', 2));
    expect(ctx.engine.liveStatus).toBe('live');
    ctx.es.last().error();
    await vi.advanceTimersByTimeAsync(999);
    expect(ctx.es.open()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ctx.es.open()).toHaveLength(1);
  });

  it('takes a fresh snapshot after a reconnect: the stream sends one, the engine refreshes myVote once', async () => {
    const ctx = setup();
    await live(ctx, ['a', 'b']);
    expect(ctx.gets()).toHaveLength(0); // no refresh on the first connect
    ctx.es.last().error();
    await vi.advanceTimersByTimeAsync(1_000);
    const again = ctx.es.last();
    expect(again.ids).toEqual(['a', 'b']);
    again.send(snap('a', 3, { upvotes: 2 }));
    again.send(snap('b', 1));
    expect(ctx.engine.getSnapshot('a')?.metrics.upvotes).toBe(2);
    expect(ctx.gets().map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a,b']);
    ctx.fake.last().respond(json(200, { items: [snap('a', 3, { upvotes: 2 }, 'upvote'), snap('b', 1, {}, null)] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.engine.getSnapshot('a')?.myVote).toBe('upvote');
    again.send(snap('a', 4, { upvotes: 3 }));
    expect(ctx.gets()).toHaveLength(1);
  });

  it('waits for the network instead of a timer while offline', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    ctx.signals.setOnline(false);
    ctx.es.last().error();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ctx.es.instances).toHaveLength(1);
    ctx.signals.setOnline(true);
    expect(ctx.es.open()).toHaveLength(1);
    expect(ctx.engine.liveStatus).toBe('connecting');
  });
});

describe('periodic refresh', () => {
  it('is skipped while the stream is live and covers while it is down', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(ctx.gets()).toHaveLength(0);
    ctx.es.last().error();
    await vi.advanceTimersByTimeAsync(30_000); // reconnected after 1 s, but nothing delivered yet
    expect(ctx.engine.liveStatus).toBe('connecting');
    expect(ctx.gets()).toHaveLength(1);
  });
});

describe('hidden tab', () => {
  it('gives the stream back after 60 s hidden and reopens it (with one refresh) when shown', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    ctx.signals.setVisible(false);
    await vi.advanceTimersByTimeAsync(DEFAULT_POLICY.liveHiddenCloseMs - 1);
    expect(ctx.engine.liveStatus).toBe('live');
    await vi.advanceTimersByTimeAsync(1);
    expect(ctx.engine.liveStatus).toBe('paused');
    expect(ctx.es.open()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(ctx.es.instances).toHaveLength(1);
    ctx.signals.setVisible(true);
    expect(ctx.es.open()).toHaveLength(1);
    ctx.es.last().send(snap('a', 2));
    expect(ctx.engine.liveStatus).toBe('live');
    // The refresh loop refreshed on the tab's return already, so the reconnect does not again.
    expect(ctx.gets()).toHaveLength(1);
  });

  it('keeps the stream through a short absence', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    ctx.signals.setVisible(false);
    await vi.advanceTimersByTimeAsync(30_000);
    ctx.signals.setVisible(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ctx.es.instances).toHaveLength(1);
    expect(ctx.engine.liveStatus).toBe('live');
  });
});

describe('dispose', () => {
  it('closes every stream and timer and ignores whatever arrives after', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    ctx.es.last().error();
    ctx.engine.register(snap('b', 1, {}, null)); // a pending resubscribe and a pending reconnect
    expect(ctx.engine.activeTimerCount).toBeGreaterThan(0);
    ctx.engine.dispose();
    expect(ctx.es.open()).toHaveLength(0);
    expect(ctx.engine.activeTimerCount).toBe(0);
    expect(ctx.signals.listenerCount).toBe(0);
    expect(ctx.engine.liveStatus).toBe('off');
    ctx.engine.register(snap('c', 1, {}, null));
    await vi.advanceTimersByTimeAsync(600_000);
    expect(ctx.es.instances).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('while connected closes the open stream', async () => {
    const ctx = setup();
    await live(ctx, ['a']);
    ctx.engine.dispose();
    expect(ctx.es.instances.every((s) => s.closed)).toBe(true);
    ctx.es.last().send(snap('a', 9));
    expect(ctx.engine.getSnapshot('a')?.version).toBe(1);
  });
});

describe('without an EventSource', () => {
  it('stays off and keeps polling', async () => {
    const { engine, fake } = makeEngine();
    engine.register(snap('a', 1, {}, null));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(engine.liveStatus).toBe('off');
    expect(fake.calls.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=a']);
  });
});

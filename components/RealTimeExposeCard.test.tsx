// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Expose } from '@/lib/contracts/core';
import { MetricsEngineProvider } from '@/lib/hooks/MetricsEngineProvider';
import { errorBody, json, metrics, snap, type FakeCall } from '@/lib/metrics-client/testing/fake-fetch';
import { makeEngine } from '@/lib/metrics-client/testing/make-engine';
import { RealTimeExposeCard } from './RealTimeExposeCard';

const expose: Expose = {
  exposeId: 'abc',
  title: 'Title',
  body: 'Body',
  createdAt: '2024-05-10T09:00:00.000Z',
  expiresAt: null,
  expired: false,
  version: 10,
  metrics: metrics({ views: 4, upvotes: 5, downvotes: 1, shares: 2 }),
  myVote: null,
};
const metric = (name: string) => document.querySelector(`[data-metric="${name}"]`)?.textContent;
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

/** A controllable IntersectionObserver (jsdom has none). */
class FakeIO {
  static all: FakeIO[] = [];
  disconnected = false;
  constructor(private readonly cb: IntersectionObserverCallback) {
    FakeIO.all.push(this);
  }
  observe() {}
  unobserve() {}
  takeRecords() {
    return [];
  }
  disconnect() {
    this.disconnected = true;
  }
  fire(ratio: number) {
    const entry = { isIntersecting: ratio > 0, intersectionRatio: ratio } as IntersectionObserverEntry;
    this.cb([entry], this as unknown as IntersectionObserver);
  }
}

function setup(mode: 'feed' | 'page' = 'feed', strict = false, shown: Expose = expose) {
  const t = makeEngine();
  const tree = (
    <MetricsEngineProvider engine={t.engine}>
      <RealTimeExposeCard expose={shown} mode={mode} now={Date.parse('2024-05-10T12:00:00.000Z')} />
    </MetricsEngineProvider>
  );
  render(strict ? <StrictMode>{tree}</StrictMode> : tree);
  return t;
}
const posts = (calls: FakeCall[], path: string) => calls.filter((c) => c.path === path);

beforeEach(() => {
  vi.useFakeTimers();
  FakeIO.all = [];
  vi.stubGlobal('IntersectionObserver', FakeIO);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('RealTimeExposeCard', () => {
  it('upvote shows at once, syncs, and settles on the server reply', async () => {
    const { fake } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Upvote' }));
    expect(metric('upvotes')).toBe('6');
    expect(metric('netVotes')).toBe('5');
    expect(screen.getByRole('button', { name: 'Upvote' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('syncing…')).toBeTruthy();
    await advance(300);
    const call = posts(fake.calls, '/api/expose/vote')[0];
    expect(call?.body).toEqual({ exposeId: 'abc', voteType: 'upvote' });
    await act(async () => call?.respond(json(200, snap('abc', 11, { views: 4, upvotes: 6, downvotes: 1, shares: 2 }, 'upvote'))));
    expect(screen.queryByText('syncing…')).toBeNull();
    expect(metric('upvotes')).toBe('6');
  });

  it('rolls back after the final failure, shows an alert, and Retry re-sends', async () => {
    const { fake } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Downvote' }));
    expect(metric('downvotes')).toBe('2');
    await advance(300);
    await act(async () => fake.last().respond(json(503, errorBody('unavailable'))));
    for (const ms of [1000, 2000, 4000]) {
      await advance(ms);
      await act(async () => fake.last().respond(json(503, errorBody('unavailable'))));
    }
    expect(metric('downvotes')).toBe('1');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Your vote could not be saved.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(metric('downvotes')).toBe('2');
    await advance(300);
    expect(posts(fake.calls, '/api/expose/vote')).toHaveLength(5);
  });

  it('copies the link when there is no share sheet, then counts the share', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const { fake } = setup();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Share' })));
    expect(writeText).toHaveBeenCalledWith(`${location.origin}/expose/abc`);
    expect(metric('shares')).toBe('3');
    expect(posts(fake.calls, '/api/expose/share')[0]?.body).toEqual({ exposeId: 'abc', channel: 'link' });
    expect(screen.getByText('Link copied')).toBeTruthy();
  });

  it('uses the share sheet where there is one; a cancelled sheet counts nothing', async () => {
    const share = vi.fn().mockRejectedValueOnce(Object.assign(new Error('cancel'), { name: 'AbortError' })).mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, share, clipboard: { writeText: vi.fn() } });
    const { fake } = setup();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Share' })));
    expect(posts(fake.calls, '/api/expose/share')).toHaveLength(0);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Share' })));
    expect(posts(fake.calls, '/api/expose/share')[0]?.body).toEqual({ exposeId: 'abc', channel: 'other' });
  });

  it('feed mode counts a view after 1 s at >= 50 % visible, once', async () => {
    const { fake } = setup('feed');
    const io = FakeIO.all[0];
    if (!io) throw new Error('no observer');
    act(() => io.fire(0.6));
    await advance(900);
    act(() => io.fire(0.2)); // scrolled away before 1 s: no view
    await advance(2000);
    expect(posts(fake.calls, '/api/expose/views')).toHaveLength(0);
    act(() => io.fire(0.5));
    await advance(1000);
    expect(posts(fake.calls, '/api/expose/views')).toHaveLength(1);
    expect(io.disconnected).toBe(true);
  });

  it('a card rendered without myVote (the shared feed page) highlights the own vote once the engine looked it up', async () => {
    const { myVote: _unknown, ...shared } = expose;
    const { fake } = setup('feed', true, shared);
    const up = () => screen.getByRole('button', { name: 'Upvote' }).getAttribute('aria-pressed');
    expect(up()).toBe('false');
    await advance(0);
    const lookups = fake.calls.filter((c) => c.path === '/api/expose/metrics');
    expect(lookups.map((c) => c.url)).toEqual(['/api/expose/metrics?ids=abc']);
    await act(async () => lookups[0]?.respond(json(200, { items: [snap('abc', 10, { views: 4, upvotes: 5, downvotes: 1, shares: 2 }, 'upvote')] })));
    expect(up()).toBe('true');
    expect(metric('upvotes')).toBe('5');
  });

  it('a card rendered with the caller\'s myVote asks nothing', async () => {
    const { fake } = setup('feed', true);
    await advance(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('page mode counts one view on mount, even in StrictMode', async () => {
    const { fake } = setup('page', true);
    await advance(0);
    expect(posts(fake.calls, '/api/expose/views')).toHaveLength(1);
  });
});

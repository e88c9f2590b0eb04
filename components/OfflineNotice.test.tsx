// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsEngineProvider } from '@/lib/hooks/MetricsEngineProvider';
import { json, snap } from '@/lib/metrics-client/testing/fake-fetch';
import { makeEngine } from '@/lib/metrics-client/testing/make-engine';
import { OfflineNotice, SYNCED_NOTICE_MS } from './OfflineNotice';

const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('OfflineNotice', () => {
  it('says how many changes wait while offline, then briefly that all are synced (a polite status)', async () => {
    const { engine, signals, fake } = makeEngine();
    engine.register(snap('a', 1, {}, null));
    render(<MetricsEngineProvider engine={engine}><OfflineNotice /></MetricsEngineProvider>);
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe('');
    act(() => signals.setOnline(false));
    expect(status.textContent).toContain("You're offline");
    act(() => {
      void engine.share('a');
      void engine.comment('a', 'hi');
    });
    expect(status.textContent).toBe("You're offline — 2 changes will sync");
    act(() => signals.setOnline(true));
    await advance(0);
    await act(async () => fake.last().respond(json(200, snap('a', 2, { shares: 1 }))));
    await advance(0);
    await act(async () => fake.last().respond(json(201, { ...snap('a', 3, { shares: 1, comments: 1 }), comment: { id: 'c1', exposeId: 'a', body: 'hi', authorName: 'Anonymous', createdAt: '2024-01-01T00:00:00.000Z' } })));
    expect(status.textContent).toBe('All changes synced');
    await advance(SYNCED_NOTICE_MS);
    expect(status.textContent).toBe('');
  });
});

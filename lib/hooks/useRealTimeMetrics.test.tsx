/* eslint-disable react-hooks/immutability -- the probe component records each render for the assertions */
// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { StrictMode, useRef } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Metrics } from '@/lib/contracts/core';
import { errorBody, json, metrics, snap } from '@/lib/metrics-client/testing/fake-fetch';
import { makeEngine } from '@/lib/metrics-client/testing/make-engine';
import { MetricsEngineProvider } from './MetricsEngineProvider';
import { useRealTimeMetrics, type RealTimeMetrics } from './useRealTimeMetrics';
import { useViewTracking } from './useViewTracking';

const INITIAL: Record<string, Metrics> = { a: metrics({ shares: 3, upvotes: 2 }), b: metrics({ shares: 7 }) };
const renders: Record<string, number> = {};
const handles: Record<string, RealTimeMetrics> = {};

function Probe({ id, onMetricsChange }: { id: string; onMetricsChange?: (m: Metrics) => void }) {
  renders[id] = (renders[id] ?? 0) + 1;
  const rt = useRealTimeMetrics({ exposeId: id, initialMetrics: INITIAL[id] ?? metrics(), initialVersion: 10, initialMyVote: null, onMetricsChange });
  handles[id] = rt;
  return (
    <p data-testid={id}>
      {rt.metrics.shares}/{rt.metrics.upvotes}/{rt.myVote ?? '-'}/{rt.hasOptimisticUpdates ? 'pending' : 'confirmed'}
    </p>
  );
}

const h = (id: string): RealTimeMetrics => {
  const v = handles[id];
  if (!v) throw new Error(`no handle for ${id}`);
  return v;
};
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

beforeEach(() => {
  vi.useFakeTimers();
  for (const k of Object.keys(renders)) delete renders[k];
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useRealTimeMetrics', () => {
  it('renders the initial metrics, then reflects actions at once and the server reply after', async () => {
    const { engine, fake } = makeEngine();
    render(<MetricsEngineProvider engine={engine}><Probe id="a" /></MetricsEngineProvider>);
    expect(screen.getByTestId('a').textContent).toBe('3/2/-/confirmed');
    let result: Promise<boolean> | undefined;
    act(() => {
      result = h('a').updateShare('link');
    });
    expect(screen.getByTestId('a').textContent).toBe('4/2/-/pending');
    await advance(0);
    await act(async () => fake.last().respond(json(200, snap('a', 11, { shares: 4, upvotes: 2 }))));
    await expect(result).resolves.toBe(true);
    expect(screen.getByTestId('a').textContent).toBe('4/2/-/confirmed');
  });

  it('re-renders only the card whose expose changed', async () => {
    const { engine } = makeEngine();
    render(
      <MetricsEngineProvider engine={engine}>
        <Probe id="a" />
        <Probe id="b" />
      </MetricsEngineProvider>,
    );
    const before = { ...renders };
    act(() => void h('a').updateVote('upvote'));
    expect(screen.getByTestId('a').textContent).toBe('3/3/upvote/pending');
    expect(renders.a).toBeGreaterThan(before.a ?? 0);
    expect(renders.b).toBe(before.b);
  });

  it('resolves false after the final failure and exposes the error; retry clears it', async () => {
    const { engine, fake } = makeEngine();
    render(<MetricsEngineProvider engine={engine}><Probe id="a" /></MetricsEngineProvider>);
    let result: Promise<boolean> | undefined;
    act(() => {
      result = h('a').updateComment('hi');
    });
    await advance(0);
    await act(async () => fake.last().respond(json(400, errorBody('invalid_input'))));
    await expect(result).resolves.toBe(false);
    expect(h('a').error).toMatchObject({ code: 'invalid_input', op: { kind: 'comment' } });
    act(() => void h('a').retry());
    expect(h('a').error).toBeNull();
  });

  it('calls onMetricsChange when the numbers change, not on mount', async () => {
    const { engine } = makeEngine();
    const onChange = vi.fn();
    render(<MetricsEngineProvider engine={engine}><Probe id="a" onMetricsChange={onChange} /></MetricsEngineProvider>);
    await advance(0);
    expect(onChange).not.toHaveBeenCalled();
    act(() => void h('a').updateShare());
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0]?.[0]).toMatchObject({ shares: 4 });
  });

  it('registers the expose for the batched refresh and unregisters on unmount', async () => {
    const { engine, fake } = makeEngine();
    const view = render(<MetricsEngineProvider engine={engine}><Probe id="a" /><Probe id="b" /></MetricsEngineProvider>);
    await advance(30_000);
    expect(fake.last().url).toBe('/api/expose/metrics?ids=a,b');
    await act(async () => fake.last().respond(json(200, { items: [snap('b', 12, { shares: 9 })] })));
    expect(screen.getByTestId('b').textContent).toBe('9/0/-/confirmed');
    view.unmount();
    await advance(60_000);
    expect(fake.calls).toHaveLength(1);
  });
});

function PageView({ id }: { id: string }) {
  const rt = useRealTimeMetrics({ exposeId: id, initialMetrics: INITIAL.a ?? metrics() });
  const ref = useRef<HTMLDivElement>(null);
  useViewTracking(ref, 'page', rt.updateView);
  return <div ref={ref} />;
}

describe('view tracking', () => {
  it('counts one view in page mode even under StrictMode double effects', async () => {
    const { engine, fake } = makeEngine();
    render(
      <StrictMode>
        <MetricsEngineProvider engine={engine}><PageView id="a" /></MetricsEngineProvider>
      </StrictMode>,
    );
    await advance(0);
    expect(fake.calls.filter((c) => c.path === '/api/expose/views')).toHaveLength(1);
  });
});

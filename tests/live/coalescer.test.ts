import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyMetrics } from '@/lib/contracts/metrics';
import type { LiveSnapshot } from '@/lib/server/live/bus';
import { createCoalescer } from '@/lib/server/live/coalescer';

const snap = (exposeId: string, version: number): LiveSnapshot => ({
  exposeId,
  version,
  metrics: { ...emptyMetrics(), views: version },
});

describe('coalescer', () => {
  let sent: LiveSnapshot[];
  let c: ReturnType<typeof createCoalescer>;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    c = createCoalescer({ intervalMs: 100, emit: (s) => sent.push(s) });
  });
  afterEach(() => {
    c.close();
    vi.useRealTimers();
  });
  const versions = () => sent.map((s) => `${s.exposeId}@${s.version}`);

  it('sends the first change at once', () => {
    c.offer(snap('a', 1));
    expect(versions()).toEqual(['a@1']);
  });

  it('sends at most one event per expose per window, carrying the latest version', () => {
    c.offer(snap('a', 1));
    c.offer(snap('a', 2));
    c.offer(snap('a', 4));
    c.offer(snap('a', 3)); // older than the one waiting: dropped
    expect(versions()).toEqual(['a@1']);
    vi.advanceTimersByTime(99);
    expect(versions()).toEqual(['a@1']);
    vi.advanceTimersByTime(1);
    expect(versions()).toEqual(['a@1', 'a@4']);
    // the trailing send opened a new window
    c.offer(snap('a', 5));
    vi.advanceTimersByTime(99);
    expect(versions()).toEqual(['a@1', 'a@4']);
    vi.advanceTimersByTime(1);
    expect(versions()).toEqual(['a@1', 'a@4', 'a@5']);
  });

  it('sends at once again after a quiet window', () => {
    c.offer(snap('a', 1));
    vi.advanceTimersByTime(100);
    c.offer(snap('a', 2));
    expect(versions()).toEqual(['a@1', 'a@2']);
  });

  it('keeps a steady stream of changes to one event per 100 ms', () => {
    for (let v = 1; v <= 100; v++) {
      c.offer(snap('a', v));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(100);
    // 1 s of changes every 10 ms: the leading one plus one per window
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.at(-1)!.version).toBe(100);
    const gaps = sent.slice(1).map((_, i) => sent[i + 1]!.version - sent[i]!.version);
    expect(gaps.every((g) => g > 0)).toBe(true);
  });

  it('throttles each expose on its own', () => {
    c.offer(snap('a', 1));
    c.offer(snap('b', 7));
    c.offer(snap('a', 2));
    expect(versions()).toEqual(['a@1', 'b@7']);
    vi.advanceTimersByTime(100);
    expect(versions()).toEqual(['a@1', 'b@7', 'a@2']);
  });

  it.each([
    ['the same version again', 5, 5, ['a@5']],
    ['an older version', 5, 3, ['a@5']],
    ['a newer version', 5, 6, ['a@5', 'a@6']],
  ])('version rule: %s after a send', (_name, first, second, expected) => {
    c.offer(snap('a', first));
    vi.advanceTimersByTime(100);
    c.offer(snap('a', second));
    vi.advanceTimersByTime(100);
    expect(versions()).toEqual(expected);
    expect(c.sentVersion('a')).toBe(Math.max(first, second));
  });

  it('never sends an event older than one already sent, even across windows', () => {
    c.offer(snap('a', 10));
    c.offer(snap('a', 12));
    vi.advanceTimersByTime(100);
    c.offer(snap('a', 11));
    vi.advanceTimersByTime(500);
    expect(versions()).toEqual(['a@10', 'a@12']);
  });

  it('close drops what is pending and stops every timer', () => {
    c.offer(snap('a', 1));
    c.offer(snap('a', 2));
    c.offer(snap('b', 1));
    c.offer(snap('b', 2));
    c.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    c.offer(snap('a', 3));
    expect(versions()).toEqual(['a@1', 'b@1']);
  });
});

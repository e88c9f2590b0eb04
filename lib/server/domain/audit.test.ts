import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRow } from '@/lib/server/store/port';
import { createAuditRecorder } from './audit';

const NOW = new Date('2031-01-01T12:00:00.000Z');

describe('audit recorder', () => {
  afterEach(() => vi.useRealTimers());

  it('sums outcomes in memory and writes them in one call per interval', async () => {
    vi.useFakeTimers();
    const calls: AuditRow[][] = [];
    const audit = createAuditRecorder({ store: { addAudit: async (rows) => void calls.push([...rows]) }, now: () => NOW, intervalMs: 1000 });
    audit.record('a', 'vote', 'counted');
    audit.record('a', 'vote', 'counted');
    audit.record('a', 'vote', 'over_ip_cap', 3);
    audit.record('b', 'view', 'bot');
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual(
      expect.arrayContaining([
        { exposeId: 'a', day: '2031-01-01', kind: 'vote', outcome: 'counted', n: 2 },
        { exposeId: 'a', day: '2031-01-01', kind: 'vote', outcome: 'over_ip_cap', n: 3 },
        { exposeId: 'b', day: '2031-01-01', kind: 'view', outcome: 'bot', n: 1 },
      ]),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1); // nothing new, nothing written
    await audit.close();
  });

  it('flushes early when too many keys wait, reports a failed write, and flushes on close', async () => {
    const calls: AuditRow[][] = [];
    const errors: unknown[] = [];
    let fail = true;
    const audit = createAuditRecorder({
      store: {
        async addAudit(rows) {
          if (fail) throw new Error('down');
          calls.push([...rows]);
        },
      },
      now: () => NOW,
      intervalMs: 60_000,
      maxKeys: 2,
      onError: (err) => errors.push(err),
    });
    audit.record('a', 'share', 'counted');
    audit.record('b', 'share', 'counted');
    await audit.flush();
    expect(errors).toHaveLength(1);
    fail = false;
    audit.record('c', 'share', 'replayed');
    await audit.close();
    expect(calls).toEqual([[{ exposeId: 'c', day: '2031-01-01', kind: 'share', outcome: 'replayed', n: 1 }]]);
  });
});

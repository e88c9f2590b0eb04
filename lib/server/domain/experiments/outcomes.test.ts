import { describe, expect, it } from 'vitest';
import type { TelemetryOp } from '@/lib/contracts/telemetry-shape';
import { OPEN_BUCKET_MS, outcomeRows } from './outcomes';

const op = (kind: TelemetryOp['kind'], outcome: TelemetryOp['outcome'], latencyMs: number | null, retries = 0): TelemetryOp => ({
  kind,
  outcome,
  attempts: 1 + retries,
  retries,
  timeouts: 0,
  exhausted: false,
  latencyMs,
});

describe('outcome rows of a telemetry batch', () => {
  it('counts acknowledged writes by kind, ended operations, rollbacks, retries and latency buckets', () => {
    const ops = [
      op('vote', 'acknowledged', 100),
      op('vote', 'acknowledged', 101),
      op('comment', 'acknowledged', 20_000, 2),
      op('share', 'rolled_back', null, 3),
      op('vote', 'dropped', null),
    ];
    expect(outcomeRows('s1', [{ experiment: 'e', variant: 'v' }], ops)).toEqual([
      {
        experimentKey: 'e',
        sessionId: 's1',
        variant: 'v',
        votes: 2,
        shares: 0,
        comments: 1,
        views: 0,
        operations: 4,
        rolledBack: 1,
        retries: 5,
        latency: [
          { leMs: 100, n: 1 },
          { leMs: 250, n: 1 },
          { leMs: OPEN_BUCKET_MS, n: 1 },
        ],
      },
    ]);
  });

  it('one row per named experiment (a repeated name counts once); nothing without names or operations', () => {
    const rows = outcomeRows('s1', [{ experiment: 'a', variant: 'x' }, { experiment: 'b', variant: 'y' }, { experiment: 'a', variant: 'z' }], [op('view', 'acknowledged', 50)]);
    expect(rows.map((r) => [r.experimentKey, r.variant, r.views])).toEqual([
      ['a', 'x', 1],
      ['b', 'y', 1],
    ]);
    expect(outcomeRows('s1', [], [op('view', 'acknowledged', 50)])).toEqual([]);
    expect(outcomeRows('s1', [{ experiment: 'a', variant: 'x' }], [])).toEqual([]);
  });
});

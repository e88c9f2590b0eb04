import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryBatch } from '@/lib/contracts/telemetry-shape';
import { TelemetryCollector } from './telemetry';
import { errorBody, json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(sendResult: boolean | undefined = true) {
  const t = makeEngine();
  t.engine.register(snap(ID, 10, { shares: 3 }, null));
  const sent: { batch: TelemetryBatch; final: boolean; at: number }[] = [];
  const collector = new TelemetryCollector({
    send: (batch, final) => {
      sent.push({ batch, final, at: Date.now() });
      return sendResult;
    },
    heapBytes: () => 12_345_678,
  });
  collector.observe(t.engine);
  return { ...t, collector, sent };
}

describe('client telemetry from the engine’s events', () => {
  it('records each operation’s outcome, attempts, retries, timeouts, exhaustion and click-to-ack latency', async () => {
    const { engine, fake, sent, collector } = setup();
    // 1: a share that gets a 503, is retried after 1 s and acknowledged 200 ms later.
    const first = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    fake.calls[0]!.respond(json(503, errorBody('unavailable')));
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(200);
    fake.calls[1]!.respond(json(200, snap(ID, 11, { shares: 4 })));
    await expect(first).resolves.toBe(true);
    // 2: a share whose four attempts all get a 503: rolled back, retries exhausted. (A network error
    // is not retried into the void: the write waits in the offline queue instead.)
    const second = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    for (const [i, delay] of [1000, 2000, 4000].entries()) {
      fake.calls[2 + i]!.respond(json(503, errorBody('unavailable')));
      await vi.advanceTimersByTimeAsync(delay);
    }
    fake.calls[5]!.respond(json(503, errorBody('unavailable')));
    await expect(second).resolves.toBe(false);
    // 3: a share the server refuses for good (400): rolled back, not exhausted.
    const third = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    fake.calls[6]!.respond(json(400, errorBody('invalid_input')));
    await expect(third).resolves.toBe(false);
    // 4: a share whose first attempt hangs until the 15 s timeout, then succeeds.
    const fourth = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    await vi.advanceTimersByTimeAsync(15_000 + 1000);
    fake.calls[8]!.respond(json(200, snap(ID, 12, { shares: 5 })));
    await expect(fourth).resolves.toBe(true);
    collector.recordError(new TypeError('Cannot read "private user text"'));
    collector.recordError(new TypeError('again'));
    collector.recordError('a thrown string');
    collector.recordVital('LCP', 1234.5);

    await vi.advanceTimersByTimeAsync(10_000);
    // Batches go at most every 10 s: the first one left 10 s after the first record.
    const times = sent.map((x) => x.at);
    times.slice(1).forEach((t, i) => expect(t - times[i]!).toBeGreaterThanOrEqual(10_000));
    expect(sent.every((x) => !x.final)).toBe(true);
    expect(sent.flatMap((x) => x.batch.ops)).toEqual([
      { kind: 'share', outcome: 'acknowledged', attempts: 2, retries: 1, timeouts: 0, exhausted: false, latencyMs: 1200 },
      { kind: 'share', outcome: 'rolled_back', attempts: 4, retries: 3, timeouts: 0, exhausted: true, latencyMs: null },
      { kind: 'share', outcome: 'rolled_back', attempts: 1, retries: 0, timeouts: 0, exhausted: false, latencyMs: null },
      { kind: 'share', outcome: 'acknowledged', attempts: 2, retries: 1, timeouts: 1, exhausted: false, latencyMs: 16_000 },
    ]);
    const batch = sent[sent.length - 1]!.batch;
    expect(batch.errors).toEqual([
      { errorClass: 'TypeError', count: 2 },
      { errorClass: 'Error', count: 1 },
    ]);
    expect(JSON.stringify(batch)).not.toContain('private user text');
    expect(batch.vitals).toEqual([{ name: 'LCP', value: 1234.5 }]);
    expect(batch.heapBytes).toBe(12_345_678);
    // Nothing new, nothing sent.
    const count = sent.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sent).toHaveLength(count);
  });

  it('flushes at once when the page is hidden, and stops for good when the session is not sampled', async () => {
    const { engine, fake, sent, collector } = setup(false);
    const share = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    fake.calls[0]!.respond(json(200, snap(ID, 11, { shares: 4 })));
    await share;
    await collector.flush(true);
    expect(sent.map((s) => [s.final, s.batch.ops.length])).toEqual([[true, 1]]);
    // send said "not sampled": nothing more is collected or sent.
    const again = engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    fake.calls[1]!.respond(json(200, snap(ID, 12, { shares: 5 })));
    await again;
    collector.recordError(new Error('x'));
    await vi.advanceTimersByTimeAsync(60_000);
    await collector.flush(true);
    expect(sent).toHaveLength(1);
  });

  it('a failing send loses its batch and breaks nothing', async () => {
    const t = makeEngine();
    t.engine.register(snap(ID, 10, {}, null));
    let calls = 0;
    const collector = new TelemetryCollector({
      send: () => {
        calls++;
        throw new Error('beacon refused');
      },
    });
    collector.observe(t.engine);
    const share = t.engine.share(ID);
    await vi.advanceTimersByTimeAsync(0); // writes leave the queue on the next turn
    t.fake.calls[0]!.respond(json(200, snap(ID, 11, { shares: 1 })));
    await expect(share).resolves.toBe(true);
    await expect(collector.flush(false)).resolves.toBeUndefined();
    expect(calls).toBe(1);
    expect(collector.take()).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryBatch } from '@/lib/contracts/telemetry-shape';
import { RATE_LIMIT_POLICY } from '@/lib/server/http/rate-limits';
import { createTestApp, type TestApp } from '../helpers/app';
import { testClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { signedInVisitor, visitor } from '../helpers/http';
import { sample as sampleValue } from '../helpers/prometheus';

const T0 = '2031-05-01T12:00:30.000Z';
const op = (o: Partial<TelemetryBatch['ops'][number]> = {}): TelemetryBatch['ops'][number] => ({
  kind: 'vote',
  outcome: 'acknowledged',
  attempts: 1,
  retries: 0,
  timeouts: 0,
  exhausted: false,
  latencyMs: 120,
  ...o,
});
const BATCH: TelemetryBatch = {
  ops: [
    op({ latencyMs: 80 }),
    op({ latencyMs: 300, attempts: 2, retries: 1 }),
    op({ outcome: 'rolled_back', attempts: 4, retries: 3, timeouts: 2, exhausted: true, latencyMs: null }),
    op({ kind: 'share', latencyMs: 1200 }),
    op({ kind: 'view', outcome: 'dropped', attempts: 0, latencyMs: null }),
  ],
  vitals: [
    { name: 'LCP', value: 1500 },
    { name: 'CLS', value: 0.02 },
    { name: 'INP', value: 90 },
    { name: 'TTFB', value: 40 },
  ],
  errors: [{ errorClass: 'TypeError', count: 2 }],
  heapBytes: 20_000_000,
};

for (const database of testDatabases()) {
  describe(`POST /api/telemetry on ${database.name}`, () => {
    let t: TestApp;
    const clock = testClock(T0);
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides: { maintenance: false, now: clock.now } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const stats = async () =>
      (await t.container.store.clientStats({ from: new Date('2031-01-01'), to: new Date('2032-01-01'), bucketSec: 3600 }))
        .map((r) => ({ kind: r.kind, ops: r.operations, ack: r.acknowledged, rb: r.rolledBack, drop: r.dropped, att: r.attempts, retries: r.retries, to: r.timeouts, ex: r.exhausted, err: r.errors, lat: r.latency }))
        .sort((a, b) => a.kind.localeCompare(b.kind));
    const scrape = () => t.container.telemetry.scrape();
    /** The client series only (the HTTP series move with every request). */
    const clientSeries = async () => (await scrape()).split('\n').filter((l) => /^ec_(client|web_vitals)/.test(l));

    it('turns a batch into per-minute reliability rows and Prometheus series, answering 204', async () => {
      const v = await signedInVisitor(t.app);
      const res = await v.post('/api/telemetry', BATCH);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(res.headers['x-telemetry-sampled']).toBe('1');
      expect(await stats()).toEqual([
        { kind: 'page', ops: 0, ack: 0, rb: 0, drop: 0, att: 0, retries: 0, to: 0, ex: 0, err: 2, lat: [0, 0, 0, 0, 0, 0, 0, 0] },
        { kind: 'share', ops: 1, ack: 1, rb: 0, drop: 0, att: 1, retries: 0, to: 0, ex: 0, err: 0, lat: [0, 0, 0, 0, 1, 0, 0, 0] },
        { kind: 'view', ops: 1, ack: 0, rb: 0, drop: 1, att: 0, retries: 0, to: 0, ex: 0, err: 0, lat: [0, 0, 0, 0, 0, 0, 0, 0] },
        { kind: 'vote', ops: 3, ack: 2, rb: 1, drop: 0, att: 7, retries: 4, to: 2, ex: 1, err: 0, lat: [1, 0, 1, 0, 0, 0, 0, 0] },
      ]);
      const text = await scrape();
      expect(sampleValue(text, 'ec_client_operations_total', { kind: 'vote', outcome: 'acknowledged' })).toBe(2);
      expect(sampleValue(text, 'ec_client_operations_total', { kind: 'vote', outcome: 'rolled_back' })).toBe(1);
      expect(sampleValue(text, 'ec_client_retries_total', { kind: 'vote' })).toBe(4);
      expect(sampleValue(text, 'ec_client_timeouts_total', { kind: 'vote' })).toBe(2);
      expect(sampleValue(text, 'ec_client_retry_exhausted_total', { kind: 'vote' })).toBe(1);
      expect(sampleValue(text, 'ec_client_ack_seconds_bucket', { kind: 'vote', le: '0.1' })).toBe(1);
      expect(sampleValue(text, 'ec_client_ack_seconds_count', { kind: 'vote' })).toBe(2);
      expect(sampleValue(text, 'ec_web_vitals_seconds_bucket', { name: 'LCP', le: '1.8' })).toBe(1);
      expect(sampleValue(text, 'ec_web_vitals_seconds_bucket', { name: 'LCP', le: '1' })).toBe(0);
      expect(sampleValue(text, 'ec_web_vitals_cls_count', {})).toBe(1);
      expect(sampleValue(text, 'ec_client_errors_total', { class: 'TypeError' })).toBe(2);
      expect(sampleValue(text, 'ec_client_js_heap_bytes_count', {})).toBe(1);
    });

    it('refuses bad input with a 400 and changes nothing', async () => {
      const before = [await stats(), await clientSeries()];
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.7' });
      const bad: unknown[] = [
        {},
        { ...BATCH, extra: 1 },
        { ...BATCH, ops: [{ ...op(), kind: 'delete' }] },
        { ...BATCH, ops: [{ ...op(), latencyMs: -1 }] },
        { ...BATCH, ops: [{ ...op(), attempts: 1.5 }] },
        { ...BATCH, ops: [{ ...op(), message: 'secret text' }] },
        { ...BATCH, errors: [{ errorClass: 'Cannot read properties of undefined', count: 1 }] },
        { ...BATCH, vitals: [{ name: 'FID', value: 10 }] },
        { ...BATCH, ops: Array.from({ length: 101 }, () => op()) },
      ];
      for (const body of bad) {
        const res = await v.post('/api/telemetry', body);
        expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.json().error.code).toBe('invalid_input');
      }
      const notJson = await v.post('/api/telemetry', '{"ops":');
      expect(notJson.statusCode).toBe(400);
      const text = await v.post('/api/telemetry', 'x', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
      const foreign = await v.post('/api/telemetry', BATCH, { origin: 'https://evil.example' });
      expect(foreign.statusCode).toBe(403);
      expect([await stats(), await clientSeries()]).toEqual(before);
    });

    it('caps the body at 16 KiB (413, nothing kept)', async () => {
      const before = await stats();
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.8' });
      const res = await v.post('/api/telemetry', { ...BATCH, pad: 'x'.repeat(17_000) });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
      expect(await stats()).toEqual(before);
    });

    it('is rate-limited per session', async () => {
      const limit = RATE_LIMIT_POLICY.telemetry[0].points;
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.9' });
      const small = { ops: [], vitals: [{ name: 'TTFB', value: 10 }], errors: [] };
      const codes: number[] = [];
      for (let i = 0; i < limit + 2; i++) codes.push((await v.post('/api/telemetry', small)).statusCode);
      expect(codes.filter((c) => c === 204)).toHaveLength(limit);
      const limited = await v.post('/api/telemetry', small);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
}

describe('TELEMETRY_SAMPLE', () => {
  const [database] = testDatabases();
  let zero: TestApp;
  let half: TestApp;
  beforeAll(async () => {
    zero = await createTestApp(await database!.open(), { env: { TELEMETRY_SAMPLE: '0', RATE_LIMITS: '0' }, overrides: { maintenance: false } });
    half = await createTestApp(await database!.open(), { env: { TELEMETRY_SAMPLE: '0.5', RATE_LIMITS: '0' }, overrides: { maintenance: false } });
  });
  afterAll(async () => {
    await zero.close();
    await half.close();
    await database!.cleanup();
  });
  const opsOf = async (t: TestApp) =>
    (await t.container.store.clientStats({ from: new Date(0), to: new Date(Date.now() + 3_600_000), bucketSec: 3600 })).reduce((n, r) => n + r.operations, 0);

  it('0 keeps nothing, still answering 204 (the page then stops sending)', async () => {
    const v = await signedInVisitor(zero.app);
    const res = await v.post('/api/telemetry', BATCH);
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-telemetry-sampled']).toBe('0');
    expect(await opsOf(zero)).toBe(0);
    expect(sampleValue(await zero.container.telemetry.scrape(), 'ec_client_operations_total', { kind: 'vote', outcome: 'acknowledged' })).toBe(0);
  });

  it('0.5 keeps about half of the sessions, each session wholly in or out', async () => {
    let sampled = 0;
    const sessions = 200;
    for (let i = 0; i < sessions; i++) {
      const v = visitor(half.app);
      const first = await v.post('/api/telemetry', { ops: [op()], vitals: [], errors: [] });
      const second = await v.post('/api/telemetry', { ops: [op()], vitals: [], errors: [] });
      expect(second.headers['x-telemetry-sampled']).toBe(first.headers['x-telemetry-sampled']);
      if (first.headers['x-telemetry-sampled'] === '1') sampled++;
    }
    expect(sampled).toBeGreaterThan(sessions * 0.35);
    expect(sampled).toBeLessThan(sessions * 0.65);
    expect(await opsOf(half)).toBe(2 * sampled);
  });
});

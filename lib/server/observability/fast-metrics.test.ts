import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from './fast-metrics';

// The fast metrics must expose exactly what prom-client's own would for the same observations.
const VALUES = [0, 0.001, 0.0015, 0.005, 0.2, 0.25, 3, 99];
const BUCKETS = [0.001, 0.005, 0.25, 1];

function both() {
  const fast = new Registry();
  const slow = new Registry();
  const fh = new FastHistogram({ name: 'x_seconds', help: 'h', labelNames: ['route', 'status'], buckets: BUCKETS, registers: [fast] });
  const sh = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['route', 'status'], buckets: BUCKETS, registers: [slow] });
  const fc = new FastCounter({ name: 'y_total', help: 'c', labelNames: ['kind'], registers: [fast] });
  const sc = new Counter({ name: 'y_total', help: 'c', labelNames: ['kind'], registers: [slow] });
  for (const [i, v] of VALUES.entries()) {
    fh.child('/a', String(200 + (i % 2))).observe(v);
    sh.labels('/a', String(200 + (i % 2))).observe(v);
    fc.child(i % 3 ? 'vote' : 'view').inc();
    sc.labels(i % 3 ? 'vote' : 'view').inc();
  }
  return { fast, slow };
}

describe('fast metrics', () => {
  it('expose the same text as prom-client (buckets inclusive of their bound, cumulative, +Inf, sum, count)', async () => {
    const { fast, slow } = both();
    expect(await fast.metrics()).toBe(await slow.metrics());
  });

  it('aggregate across registries like prom-client (cluster workers)', async () => {
    const a = both();
    const b = both();
    const fast = AggregatorRegistry.aggregate([await a.fast.getMetricsAsJSON(), await b.fast.getMetricsAsJSON()]);
    const slow = AggregatorRegistry.aggregate([await a.slow.getMetricsAsJSON(), await b.slow.getMetricsAsJSON()]);
    expect(await fast.metrics()).toBe(await slow.metrics());
    expect(await fast.metrics()).toContain('y_total{kind="vote"} 10');
  });
});

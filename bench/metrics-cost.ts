// `npx tsx bench/metrics-cost.ts`: the CPU the metrics add to one hot write, measured in isolation
// (the end-to-end benchmark on a shared 2-core machine cannot resolve a few microseconds). Prints
// ns per call of what one vote or view request runs: the HTTP observation and write count (one
// onResponse hook), the enqueue-to-commit observation, and the timed store wrapper; plus prom-client's
// own label children doing the same, for comparison.
import { Counter, Histogram, Registry } from 'prom-client';
import { createTelemetry } from '@/lib/server/observability/telemetry';

const N = Number(process.env.N ?? 2_000_000);

function measure(name: string, fn: (i: number) => void): number {
  for (let i = 0; i < N / 10; i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${name.padEnd(60)} ${ns.toFixed(1)} ns/call`);
  return ns;
}

async function measureAsync(name: string, fn: () => Promise<unknown>): Promise<number> {
  const n = N / 10;
  for (let i = 0; i < n / 10; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${name.padEnd(60)} ${ns.toFixed(1)} ns/call`);
  return ns;
}

const t = createTelemetry({ defaultMetrics: false });
const seconds = (i: number) => ((i % 97) + 1) / 10_000;
const http = measure('HTTP duration + write outcome (fast children)', (i) => {
  t.http('/api/expose/vote', 'POST', 200, seconds(i));
  t.write('vote', 'applied');
});
const commit = measure('enqueue-to-commit: 2 x performance.now + observe', () => {
  const start = performance.now();
  t.writePath.committed('vote', (performance.now() - start) / 1000);
});

const registry = new Registry();
const h = new Histogram({ name: 'h', help: 'h', labelNames: ['route', 'method', 'status'], registers: [registry] });
const c = new Counter({ name: 'c', help: 'c', labelNames: ['kind', 'outcome'], registers: [registry] });
const hc = h.labels('/api/expose/vote', 'POST', '200');
const cc = c.labels('vote', 'applied');
measure("the same with prom-client's bound children", (i) => {
  hc.observe(seconds(i));
  cc.inc();
});

const query = async () => 1;
const direct = await measureAsync('a store query: direct (an async function)', query);
const timed = await measureAsync('a store query: through the timing wrapper', async () => {
  const start = performance.now();
  try {
    return await query();
  } finally {
    t.db.query('lockVotes', (performance.now() - start) / 1000);
  }
});
console.log(
  `\nper hot write (HTTP + commit + one query): ~${Math.round(http + commit + (timed - direct))} ns ` +
    `(a hot vote costs the server ~100 µs of CPU: docs/BENCHMARKS.md)`,
);

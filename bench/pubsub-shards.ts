// `npm run bench:pubsub`: events received per instance with 4 instances each watching a quarter of
// 1,000 exposes, over a real 3-master Redis Cluster (sharded pub/sub, started here on loopback
// ports BENCH_CLUSTER_PORT..+2, default 7104) and, for comparison, classic pub/sub on one Redis
// (BENCH_REDIS_URL). Prints a Markdown table for docs/BENCHMARKS.notes.md.
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { emptyMetrics } from '@/lib/contracts/metrics';
import type { MetricsBus } from '@/lib/server/live/bus';
import { createRedisBus } from '@/lib/server/live/redis-bus';
import { createShardedRedisBus, shardOf } from '@/lib/server/live/sharded-redis-bus';
import { noLiveProbe, type LiveProbe } from '@/lib/server/observability/probes';
import { startRedisCluster } from '../tests/helpers/redis-cluster';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIRST_PORT = Number(process.env.BENCH_CLUSTER_PORT ?? 7104);
const EXPOSES = 1000;
const INSTANCES = 4;
const EVENTS = Number(process.env.BENCH_PUBSUB_EVENTS ?? 20_000);
const SHARD_COUNTS = (process.env.BENCH_PUBSUB_SHARDS ?? '256,1024,4096,16384').split(',').map(Number);

interface Instance {
  bus: MetricsBus;
  received: number;
  delivered: number;
  live: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

async function scenario(label: string, make: (probe: LiveProbe) => MetricsBus, shards: number | null) {
  const ids = Array.from({ length: EXPOSES }, () => `b_${randomBytes(6).toString('hex')}`);
  const publisher = make(noLiveProbe);
  const instances: Instance[] = [];
  for (let k = 0; k < INSTANCES; k++) {
    const inst: Instance = { bus: undefined as unknown as MetricsBus, received: 0, delivered: 0, live: 0 };
    inst.bus = make({ ...noLiveProbe, busReceived: () => inst.received++ });
    instances.push(inst);
  }
  const quarter = EXPOSES / INSTANCES;
  // One subscription per expose, as one live stream per open expose page.
  instances.forEach((inst, k) => {
    for (const id of ids.slice(k * quarter, (k + 1) * quarter)) {
      inst.bus.subscribe([id], () => inst.delivered++, { onGap: () => inst.live++ });
    }
  });
  if (shards !== null) await until(() => instances.every((i) => i.live >= quarter), 30_000, 'subscriptions live');
  else await sleep(1_000); // classic pub/sub: one SUBSCRIBE per instance at connect
  // Classic pub/sub: make sure the subscriber connections are live (a probe event each).
  if (shards === null) {
    publisher.publish({ exposeId: ids[0]!, version: 0, metrics: emptyMetrics() });
    await until(() => instances.every((i) => i.received >= 1), 10_000, 'classic subscribers live');
    for (const i of instances) i.received = i.delivered = 0;
  }
  const started = performance.now();
  for (let n = 0; n < EVENTS; n++) {
    publisher.publish({ exposeId: ids[n % EXPOSES]!, version: 1 + Math.floor(n / EXPOSES), metrics: emptyMetrics() });
    if (n % 500 === 499) await sleep(1);
  }
  const perInstance = EVENTS / INSTANCES;
  // Every instance must receive at least the events of its own exposes; wait until counts settle.
  let last = -1;
  await until(() => instances.every((i) => i.received >= perInstance), 60_000, 'events received');
  while (last !== instances.reduce((s, i) => s + i.received, 0)) {
    last = instances.reduce((s, i) => s + i.received, 0);
    await sleep(300);
  }
  const seconds = (performance.now() - started) / 1000;
  const channels = shards === null ? [1, 1, 1, 1] : instances.map((_, k) => new Set(ids.slice(k * quarter, (k + 1) * quarter).map((id) => shardOf(id, shards))).size);
  await Promise.all([publisher.close(), ...instances.map((i) => i.bus.close())]);
  const received = instances.map((i) => i.received);
  const mean = received.reduce((a, b) => a + b, 0) / INSTANCES;
  return {
    label,
    channels: channels.join(' / '),
    received: received.join(' / '),
    share: `${((100 * mean) / EVENTS).toFixed(1)} %`,
    useful: `${((100 * perInstance) / mean).toFixed(0)} %`,
    seconds: seconds.toFixed(2),
  };
}

async function main() {
  const ports = [FIRST_PORT, FIRST_PORT + 1, FIRST_PORT + 2];
  const cluster = await startRedisCluster(ports);
  const rows = [];
  try {
    const classicChannel = `ec:bench:${randomUUID()}`;
    rows.push(await scenario('classic PUBLISH/SUBSCRIBE, one Redis (REDIS_URL)', (probe) => createRedisBus({ url: REDIS_URL, channel: classicChannel, probe }), null));
    for (const shards of SHARD_COUNTS) {
      const prefix = `ec:bench:${randomUUID().slice(0, 8)}`;
      const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
      rows.push(
        await scenario(
          `sharded SPUBLISH/SSUBSCRIBE, 3-master cluster, ${shards} shards`,
          (probe) => createShardedRedisBus({ nodes, shards, channelPrefix: prefix, probe }),
          shards,
        ),
      );
    }
  } finally {
    await cluster.stop();
  }
  console.log(`\n${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}; ${EVENTS} events over ${EXPOSES} exposes, ${INSTANCES} instances each watching ${EXPOSES / INSTANCES}\n`);
  console.log('| fan-out | shard channels subscribed per instance | messages received per instance | mean share of all events | of which its own exposes | publish → all received, s |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.label} | ${r.channels} | ${r.received} | ${r.share} | ${r.useful} | ${r.seconds} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

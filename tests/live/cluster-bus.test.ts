import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { emptyMetrics } from '@/lib/contracts/metrics';
import type { LiveComment, LiveSnapshot, MetricsBus } from '@/lib/server/live/bus';
import { createShardedRedisBus, shardChannel, shardOf } from '@/lib/server/live/sharded-redis-bus';
import { noLiveProbe } from '@/lib/server/observability/probes';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { hasPrograms } from '../helpers/binaries';
import { startRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster';

// A real 3-master Redis Cluster on loopback, started and stopped here (tests/helpers/redis-cluster.ts).
const PORTS = [7101, 7102, 7103];
const SHARDS = 64;
const snap = (exposeId: string, version: number): LiveSnapshot => ({ exposeId, version, metrics: emptyMetrics() });
const newId = () => `t_${randomBytes(6).toString('hex')}`;

// Skipped on a machine without redis-server and redis-cli (never under CI: tests/helpers/binaries.ts).
const runs = hasPrograms('redis-server', 'redis-cli');
let cluster: LocalRedisCluster;
beforeAll(async () => {
  if (runs) cluster = await startRedisCluster(PORTS);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** Every shard channel some instance subscribes to, per cluster node. */
const shardChannelsByNode = () =>
  PORTS.map((port) =>
    cluster
      .cli(port, 'pubsub', 'shardchannels', 'ec:m:*')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
  );

const buses: MetricsBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});
function instance(prefix: string) {
  const received = { n: 0 };
  const bus = createShardedRedisBus({
    nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    shards: SHARDS,
    channelPrefix: prefix,
    unsubscribeDelayMs: 100,
    probe: { ...noLiveProbe, busReceived: () => received.n++ },
  });
  buses.push(bus);
  return { bus, received };
}

describe.skipIf(!runs)('live fan-out over Redis Cluster sharded pub/sub', () => {
  it('an instance receives only the shards its listeners watch, spread over the nodes, and lets them go when nobody watches', async () => {
    const prefix = `ec:m:${randomUUID().slice(0, 8)}`;
    const a = instance(prefix);
    const b = instance(prefix);
    const ids = Array.from({ length: 300 }, newId);
    // 30 ids: about 24 distinct shards of 64, so all three masters hold some (the slots of {0}..{63} split
    // 21/22/21) while well under half of all ids share a watched shard.
    const watched = ids.slice(0, 30);
    const got: LiveSnapshot[] = [];
    const gaps = { n: 0 };
    const unsubscribe = b.bus.subscribe(watched, (s) => got.push(s), { onGap: () => gaps.n++ });
    const shards = new Set(watched.map((id) => shardOf(id, SHARDS)));
    const channels = [...shards].map((s) => shardChannel(prefix, s)).sort();
    // Live once every watched shard's SSUBSCRIBE is confirmed: each listener is told to re-read.
    await vi.waitFor(() => expect(gaps.n).toBeGreaterThanOrEqual(1), { timeout: 20_000 });
    await vi.waitFor(() => expect(shardChannelsByNode().flat().filter((c) => c.startsWith(prefix)).sort()).toEqual(channels), { timeout: 10_000 });
    // Channels live on the node owning their slot: with 10+ shards all three masters hold some.
    expect(shardChannelsByNode().filter((list) => list.some((c) => c.startsWith(prefix))).length).toBe(3);

    for (const id of ids) a.bus.publish(snap(id, 1));
    const expected = ids.filter((id) => shards.has(shardOf(id, SHARDS))).length;
    await vi.waitFor(() => expect(b.received.n).toBe(expected), { timeout: 10_000 });
    expect(expected).toBeLessThan(ids.length / 2);
    // Of what arrived, listeners got exactly their own exposes; the publisher received nothing.
    await vi.waitFor(() => expect(got.map((s) => s.exposeId).sort()).toEqual([...watched].sort()));
    expect(a.received.n).toBe(0);

    unsubscribe();
    await vi.waitFor(() => expect(shardChannelsByNode().flat().filter((c) => c.startsWith(prefix))).toEqual([]), { timeout: 5_000 });
    a.bus.publish(snap(watched[0]!, 2));
    await new Promise((r) => setTimeout(r, 300));
    expect(b.received.n).toBe(expected);
  });

  it('comments cross instances in order; the publisher’s own listeners get its events locally, not twice', async () => {
    const prefix = `ec:m:${randomUUID().slice(0, 8)}`;
    const a = instance(prefix);
    const b = instance(prefix);
    const id = newId();
    const onB: LiveComment[] = [];
    const onA: LiveSnapshot[] = [];
    const live = { a: 0, b: 0 };
    b.bus.subscribe([id], () => {}, { onComment: (c) => onB.push(c), onGap: () => live.b++ });
    a.bus.subscribe([id], (s) => onA.push(s), { onGap: () => live.a++ });
    // Both SSUBSCRIBEs confirmed (each instance's listeners are told once it is live).
    await vi.waitFor(() => expect(Math.min(live.a, live.b)).toBeGreaterThanOrEqual(1), { timeout: 20_000 });
    await vi.waitFor(() => expect(shardChannelsByNode().flat()).toContain(shardChannel(prefix, shardOf(id, SHARDS))));
    const comment = (n: number): LiveComment => ({ id: `c${n}`, exposeId: id, body: `comment ${n}`, authorName: 'ann', createdAt: new Date(0).toISOString() });
    for (let n = 1; n <= 5; n++) a.bus.publishComment(comment(n));
    a.bus.publish(snap(id, 7));
    await vi.waitFor(() => expect(onB.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']), { timeout: 10_000 });
    await vi.waitFor(() => expect(onA.map((s) => s.version)).toEqual([7]));
    // A subscribed to the same shard: its own echo arrived and was skipped.
    await vi.waitFor(() => expect(a.received.n).toBe(6));
    expect(onA).toHaveLength(1);
  });
});

describe.skipIf(!runs)('the app on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  const database = testDatabases()[0]!;
  let one: TestApp;
  let two: TestApp;
  let exposeId: string;
  beforeAll(async () => {
    const store = await database.open();
    exposeId = await seedExpose(store);
    // A per-run secret: the rate-limit keys of this run are its own.
    const env = { REDIS_CLUSTER_NODES: cluster.nodes.join(','), SESSION_SECRET: randomUUID().repeat(2) };
    one = await createTestApp(store, { env, overrides: { maintenance: false } });
    two = await createTestApp(store, { env, overrides: { maintenance: false } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await database.cleanup();
  });

  it('a vote on one instance reaches a listener on the other, and its rate limit is counted in the cluster', async () => {
    const got: LiveSnapshot[] = [];
    const live = { n: 0 };
    two.container.bus.subscribe([exposeId], (s) => got.push(s), { onGap: () => live.n++ });
    await vi.waitFor(() => expect(live.n).toBeGreaterThanOrEqual(1), { timeout: 20_000 });
    const res = await one.app.inject({
      method: 'POST',
      url: '/api/expose/vote',
      headers: { 'content-type': 'application/json' },
      payload: { exposeId, voteType: 'upvote' },
    });
    expect(res.statusCode).toBe(200);
    await vi.waitFor(() => expect(got.at(-1)?.metrics.upvotes).toBe(1), { timeout: 10_000 });
    const keys = PORTS.flatMap((port) => cluster.cli(port, '--scan', '--pattern', 'ec:rl:vote:*').split('\n').filter(Boolean));
    expect(keys.length).toBeGreaterThan(0);
    expect(two.container.bus.connections?.()).toEqual({ publish: true, subscribe: true });
  });
});

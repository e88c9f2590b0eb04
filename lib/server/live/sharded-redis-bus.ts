import { randomUUID } from 'node:crypto';
import { Cluster, type ClusterNode } from 'ioredis';
import type { LiveProbe } from '@/lib/server/observability/probes';
import type { RedisTimeouts } from '@/lib/server/redis-client';
import type { LiveComment, LiveSnapshot, MetricsBus } from './bus';
import { createLocalFanout, epochMs } from './local-fanout';
import { closeConnection, receiveBusMessage } from './redis-bus';

export const SHARD_CHANNEL_PREFIX = 'ec:m';
/** Default shard count: see docs/SCALING.md ("Live fan-out past one Redis") for the trade-off. */
export const DEFAULT_PUBSUB_SHARDS = 4096;
const MAX_UNSENT = 10_000;
const MAX_UNSENT_COMMENTS = 1_000;

export interface ShardedRedisBusOptions extends Partial<RedisTimeouts> {
  /** Seed nodes of the Redis Cluster (any reachable subset; the rest is discovered). */
  nodes: readonly ClusterNode[];
  /** Exposes are hashed onto this many channels. */
  shards?: number;
  channelPrefix?: string;
  instanceId?: string;
  /** A shard nobody on this instance watches any more is left this long later (cheap re-watch). */
  unsubscribeDelayMs?: number;
  onError?: (err: unknown) => void;
  probe?: LiveProbe;
}

/** FNV-1a (32 bit): stable across processes and versions, so every instance maps an expose alike. */
export function shardOf(exposeId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < exposeId.length; i++) {
    h ^= exposeId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** `ec:m:{17}`: the braces make the shard number the hash tag, so shards spread over the slots. */
export const shardChannel = (prefix: string, shard: number): string => `${prefix}:{${shard}}`;

interface ShardState {
  /** (subscription, expose) pairs on this instance in the shard. */
  refs: number;
  /** SSUBSCRIBE sent (and not SUNSUBSCRIBEd since). */
  subscribed: boolean;
  linger?: ReturnType<typeof setTimeout>;
}

/**
 * Fan-out across instances over Redis Cluster sharded pub/sub (Redis 7 SPUBLISH/SSUBSCRIBE). Each
 * expose belongs to one of `shards` channels; a publish goes to its shard's channel, which lives on
 * the one cluster node that owns its hash slot (so publishing scales with the nodes, unlike classic
 * PUBLISH, which every node forwards to every other). An instance subscribes only to the shards
 * that its own listeners watch, so it receives roughly the events of the exposes its clients have
 * open, not every event of the site.
 *
 * Same delivery contract as the plain Redis bus (redis-bus.ts): local listeners get a publish
 * directly, the own echo is skipped, snapshots that could not be sent are parked (latest per
 * expose) until the cluster is back. Subscribing is asynchronous: when a shard's SSUBSCRIBE is
 * confirmed, the listeners in that shard are told events may have been missed (onGap), so a stream
 * that read its initial state before the channel was live re-reads once.
 */
export function createShardedRedisBus(opts: ShardedRedisBusOptions): MetricsBus {
  const shards = opts.shards ?? DEFAULT_PUBSUB_SHARDS;
  const prefix = opts.channelPrefix ?? SHARD_CHANNEL_PREFIX;
  const instanceId = opts.instanceId ?? randomUUID();
  const onError = opts.onError ?? (() => {});
  const lingerMs = opts.unsubscribeDelayMs ?? 30_000;
  const local = createLocalFanout(onError, opts.probe);
  const unsent = new Map<string, LiveSnapshot>();
  let unsentComments: LiveComment[] = [];
  const state = new Map<number, ShardState>();
  let closed = false;

  const redisOptions = {
    commandTimeout: opts.commandTimeoutMs ?? 1_000,
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 1,
  };
  // Publisher: a publish while the cluster is not ready is parked here (never queued in ioredis), and
  // a stalled one times out (commandTimeout) and is parked. ioredis' offline queue stays on: without
  // it, publishes sent while the connection to a shard's master is still being opened (right after
  // `ready`) fail over to retries and arrive out of order (measured: comments reordered).
  const pub = new Cluster([...opts.nodes], { redisOptions });
  // Subscriber: one connection per master that owns a watched shard (ioredis' sharded subscribers);
  // SSUBSCRIBE may be queued until the cluster is ready.
  const sub = new Cluster([...opts.nodes], { shardedSubscribers: true, redisOptions: { connectTimeout: redisOptions.connectTimeout } });
  pub.on('error', onError);
  sub.on('error', onError);

  const channelOf = (exposeId: string) => shardChannel(prefix, shardOf(exposeId, shards));

  const park = (snapshot: LiveSnapshot) => {
    const prev = unsent.get(snapshot.exposeId);
    if (prev && prev.version >= snapshot.version) return;
    unsent.delete(snapshot.exposeId);
    unsent.set(snapshot.exposeId, snapshot);
    if (unsent.size > MAX_UNSENT) unsent.delete(unsent.keys().next().value!);
  };
  const send = (snapshot: LiveSnapshot) => {
    if (closed) return;
    if (pub.status !== 'ready') return park(snapshot);
    pub.spublish(channelOf(snapshot.exposeId), JSON.stringify({ i: instanceId, s: snapshot, t: epochMs() })).catch((err: unknown) => {
      park(snapshot);
      onError(err);
    });
  };
  const parkComment = (comment: LiveComment) => {
    unsentComments.push(comment);
    if (unsentComments.length > MAX_UNSENT_COMMENTS) unsentComments.shift();
  };
  const sendComment = (comment: LiveComment) => {
    if (closed) return;
    if (pub.status !== 'ready') return parkComment(comment);
    pub.spublish(channelOf(comment.exposeId), JSON.stringify({ i: instanceId, c: comment })).catch((err: unknown) => {
      parkComment(comment);
      onError(err);
    });
  };
  pub.on('ready', () => {
    const comments = unsentComments;
    unsentComments = [];
    for (const comment of comments) sendComment(comment);
    const pending = [...unsent.values()];
    unsent.clear();
    for (const snapshot of pending) send(snapshot);
  });

  const subscribeShard = (shard: number, s: ShardState) => {
    s.subscribed = true;
    sub.ssubscribe(shardChannel(prefix, shard)).then(
      () => {
        if (!closed && s.subscribed) local.signalGap((id) => shardOf(id, shards) === shard);
      },
      (err: unknown) => {
        // Not live: the next `ready` (reconnect) tries again; meanwhile the streams' periodic
        // refresh in the browser keeps counts moving.
        s.subscribed = false;
        onError(err);
      },
    );
  };
  const watch = (shard: number) => {
    let s = state.get(shard);
    if (!s) state.set(shard, (s = { refs: 0, subscribed: false }));
    s.refs++;
    if (s.linger) {
      clearTimeout(s.linger);
      s.linger = undefined;
    }
    if (!s.subscribed && !closed) subscribeShard(shard, s);
  };
  const unwatch = (shard: number) => {
    const s = state.get(shard);
    if (!s || --s.refs > 0) return;
    s.linger = setTimeout(() => {
      s.linger = undefined;
      if (s.refs > 0 || closed) return;
      state.delete(shard);
      if (!s.subscribed) return;
      s.subscribed = false;
      sub.sunsubscribe(shardChannel(prefix, shard)).catch(onError);
    }, lingerMs);
    s.linger.unref?.();
  };

  // After a reconnect ioredis re-subscribes the channels it knew; shards whose SSUBSCRIBE failed are
  // sent again, and every listener re-reads once (events may have been missed meanwhile).
  let readyBefore = false;
  sub.on('ready', () => {
    for (const [shard, s] of state) if (s.refs > 0 && !s.subscribed) subscribeShard(shard, s);
    if (readyBefore) local.signalGap();
    readyBefore = true;
  });

  sub.on('smessage', (_channel: string, raw: string) => {
    receiveBusMessage(raw, { instanceId, local, onError, probe: opts.probe });
  });

  return {
    publish(snapshot) {
      try {
        local.deliver(snapshot);
        send(snapshot);
      } catch (err) {
        onError(err);
      }
    },
    publishComment(comment) {
      try {
        local.deliverComment(comment);
        sendComment(comment);
      } catch (err) {
        onError(err);
      }
    },
    subscribe(exposeIds, listener, subOpts) {
      const ids = [...new Set(exposeIds)];
      const unsubscribe = local.subscribe(ids, listener, subOpts);
      for (const id of ids) watch(shardOf(id, shards));
      let done = false;
      return () => {
        if (done) return;
        done = true;
        unsubscribe();
        for (const id of ids) unwatch(shardOf(id, shards));
      };
    },
    listenerCount: local.listenerCount,
    connections: () => ({ publish: pub.status === 'ready', subscribe: sub.status === 'ready' }),
    async close() {
      if (closed) return;
      closed = true;
      for (const s of state.values()) if (s.linger) clearTimeout(s.linger);
      state.clear();
      local.clear();
      unsent.clear();
      unsentComments = [];
      await Promise.all([closeConnection(pub), closeConnection(sub)]);
    },
  };
}

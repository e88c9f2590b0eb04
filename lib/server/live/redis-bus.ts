import { randomUUID } from 'node:crypto';
import { openRedis, type RedisTimeouts } from '@/lib/server/redis-client';
import { z } from 'zod';
import { commentSchema } from '@/lib/contracts/comments';
import { metricsSnapshotSchema } from '@/lib/contracts/metrics';
import type { LiveComment, LiveSnapshot, MetricsBus } from './bus';
import type { LiveProbe } from '@/lib/server/observability/probes';
import { createLocalFanout, epochMs, type LocalFanout } from './local-fanout';

export const METRICS_CHANNEL = 'ec:metrics';
/** Snapshots that could not reach Redis, kept (latest per expose) to send when it is back. */
const MAX_UNSENT = 10_000;
/** Comments that could not reach Redis, oldest dropped first beyond this. */
const MAX_UNSENT_COMMENTS = 1_000;

/**
 * Two message shapes on one channel: `{ i, s, t? }` a snapshot (the only shape before live comments;
 * `t`: the publish time (epochMs) for the delivery-lag histogram, optional so older instances
 * interoperate) and `{ i, c }` a comment. The snapshot shape is unchanged, so during a rolling
 * upgrade old and new instances still exchange snapshots; an old instance rejects `{ i, c }` as
 * malformed (one logged error per comment, no live comment on its pages; counts stay right).
 */
const snapshotMessageSchema = z.object({ i: z.string(), s: metricsSnapshotSchema.omit({ myVote: true }), t: z.number().optional() });
const commentMessageSchema = z.object({ i: z.string(), c: commentSchema });
export const messageSchema = z.union([snapshotMessageSchema, commentMessageSchema]);

/**
 * One message from Redis (plain or sharded pub/sub): counted, parsed, our own echo skipped, then
 * handed to this instance's listeners. A malformed message is reported, never thrown.
 */
export function receiveBusMessage(
  raw: string,
  deps: { instanceId: string; local: Pick<LocalFanout, 'deliver' | 'deliverComment'>; onError: (err: unknown) => void; probe?: Pick<LiveProbe, 'busReceived'> },
): void {
  deps.probe?.busReceived();
  let parsed: z.infer<typeof messageSchema>;
  try {
    parsed = messageSchema.parse(JSON.parse(raw));
  } catch (err) {
    deps.onError(err);
    return;
  }
  if (parsed.i === deps.instanceId) return;
  if ('s' in parsed) deps.local.deliver(parsed.s, parsed.t ?? epochMs(), 'redis');
  else deps.local.deliverComment(parsed.c);
}

export interface RedisBusOptions extends Partial<RedisTimeouts> {
  url: string;
  channel?: string;
  /** Tags this instance's messages so it can skip its own echo. */
  instanceId?: string;
  /** Redis connection problems and failing listeners; the bus itself never throws. */
  onError?: (err: unknown) => void;
  probe?: LiveProbe;
}

export async function closeConnection(redis: { status: string; disconnect(): void; quit(): Promise<unknown> }): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const force = setTimeout(() => redis.disconnect(), 500);
  await redis.quit().catch(() => redis.disconnect());
  clearTimeout(force);
}

/**
 * Fan-out across instances over Redis pub/sub: one publisher and one subscriber connection, one
 * channel for every expose. Each instance subscribes once at start-up and filters locally, so a new
 * SSE client costs no Redis round trip and is subscribed the instant it registers in memory.
 *
 * A publish is delivered to this instance's subscribers directly (so they still get it while Redis
 * is down) and sent to Redis tagged with the instance id; the echo that comes back is skipped.
 */
export function createRedisBus(opts: RedisBusOptions): MetricsBus {
  const channel = opts.channel ?? METRICS_CHANNEL;
  const instanceId = opts.instanceId ?? randomUUID();
  const onError = opts.onError ?? (() => {});
  const local = createLocalFanout(onError, opts.probe);
  const unsent = new Map<string, LiveSnapshot>();
  let unsentComments: LiveComment[] = [];
  let closed = false;

  // No offline queue and a command timeout (redis-client.ts): a publish while Redis is down or
  // stalled fails (at once, or after the timeout, without ever blocking a request: publish is not
  // awaited) and is parked in `unsent` (only the latest per expose) until the next `ready`.
  const timeouts = { commandTimeoutMs: opts.commandTimeoutMs ?? 1_000, connectTimeoutMs: opts.connectTimeoutMs ?? 2_000 };
  const pub = openRedis(opts.url, timeouts);
  const sub = openRedis(opts.url, timeouts, { autoResubscribe: false });
  pub.on('error', onError);
  sub.on('error', onError);

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
    pub.publish(channel, JSON.stringify({ i: instanceId, s: snapshot, t: epochMs() })).catch((err: unknown) => {
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
    pub.publish(channel, JSON.stringify({ i: instanceId, c: comment })).catch((err: unknown) => {
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

  // Subscribed on every `ready`: the first connect and every reconnect. After a reconnect, events
  // from other instances may have been missed, so subscribers re-read once the channel is live again.
  let subscribedBefore = false;
  sub.on('ready', () => {
    sub.subscribe(channel).then(
      () => {
        if (subscribedBefore) local.signalGap();
        subscribedBefore = true;
      },
      (err: unknown) => onError(err),
    );
  });

  sub.on('message', (_channel: string, raw: string) => {
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
    subscribe: local.subscribe,
    listenerCount: local.listenerCount,
    connections: () => ({ publish: pub.status === 'ready', subscribe: sub.status === 'ready' }),
    async close() {
      if (closed) return;
      closed = true;
      local.clear();
      unsent.clear();
      unsentComments = [];
      await Promise.all([closeConnection(pub), closeConnection(sub)]);
    },
  };
}

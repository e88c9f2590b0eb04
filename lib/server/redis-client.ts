import { Redis, type RedisOptions } from 'ioredis';

export interface RedisTimeouts {
  /** A command unanswered this long is rejected (callers fall back) and the connection is renewed. */
  commandTimeoutMs: number;
  /** TCP connect. */
  connectTimeoutMs: number;
}

/**
 * One Redis connection with bounded waits (rate limits, live fan-out). A stalled Redis (TCP
 * connected, never answering) must not hang requests or pile up commands:
 * - no offline queue and one retry: while not connected, a command fails at once;
 * - every command has `commandTimeoutMs`, after which its caller falls back (the in-memory rate
 *   limiter, the bus's parked snapshots);
 * - a timed-out command means the connection is stuck (Redis answers in order), so it is dropped
 *   and reconnected: meanwhile commands fail at once instead of each waiting its own timeout and
 *   queueing in the client, and the new connection becomes ready only once Redis answers its ready
 *   check again. Unanswered commands are not resent after a reconnect (their callers already
 *   moved on; a resend would count a rate-limit point twice).
 */
export function openRedis(url: string, timeouts: RedisTimeouts, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    ...extra,
  });
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    const result = send(command, stream);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === 'Command timed out' && redis.status === 'ready') redis.disconnect(true);
      });
    }
    return result;
  };
  return redis;
}

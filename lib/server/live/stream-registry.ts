import { DomainError } from '@/lib/server/domain/errors';

export interface StreamLimits {
  /** Open streams on this instance. */
  maxStreams: number;
  /** Open streams per client IP hash on this instance. */
  maxPerIp: number;
}

export interface StreamLease {
  /** How to end this stream at shutdown; called at once if shutdown has already begun. */
  onShutdown(end: () => void): void;
  /** Gives the slot back; idempotent. */
  release(): void;
}

export interface StreamRegistry {
  /** Takes a slot, or throws `rate_limited` (per IP) / `unavailable` (instance full or closing). */
  acquire(ipHash: string): StreamLease;
  openCount(): number;
  /** Ends every open stream and refuses new ones, so clients reconnect to another instance. */
  shutdown(): void;
}

/** Retry-After for a refused stream: long enough that a reconnect loop does not hammer us. */
const RETRY_AFTER_S = 5;

export function createStreamRegistry(limits: StreamLimits): StreamRegistry {
  const perIp = new Map<string, number>();
  const leases = new Set<{ end?: () => void }>();
  let closing = false;

  return {
    acquire(ipHash) {
      if (closing) throw new DomainError('unavailable', 'This server is shutting down; reconnect.', 1);
      const mine = perIp.get(ipHash) ?? 0;
      if (mine >= limits.maxPerIp) {
        throw new DomainError('rate_limited', `At most ${limits.maxPerIp} open streams per client.`, RETRY_AFTER_S);
      }
      if (leases.size >= limits.maxStreams) {
        throw new DomainError('unavailable', 'This server has too many open streams; try again shortly.', RETRY_AFTER_S);
      }
      perIp.set(ipHash, mine + 1);
      const lease: { end?: () => void } = {};
      leases.add(lease);
      return {
        onShutdown(end) {
          lease.end = end;
          if (closing) end();
        },
        release() {
          if (!leases.delete(lease)) return;
          const left = (perIp.get(ipHash) ?? 1) - 1;
          if (left > 0) perIp.set(ipHash, left);
          else perIp.delete(ipHash);
        },
      };
    },
    openCount: () => leases.size,
    shutdown() {
      closing = true;
      for (const lease of [...leases]) lease.end?.();
    },
  };
}

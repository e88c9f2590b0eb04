import type { Comment } from '@/lib/contracts/comments';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';

/** What the live stream carries: the metrics object of API.md without the caller's `myVote`. */
export type LiveSnapshot = Omit<MetricsSnapshot, 'myVote'>;

export const toLiveSnapshot = ({ exposeId, version, metrics }: MetricsSnapshot): LiveSnapshot => ({
  exposeId,
  version,
  metrics: { ...metrics },
});

export type BusListener = (snapshot: LiveSnapshot) => void;

/** A committed comment as the live stream carries it: the comment object of API.md, nothing private. */
export type LiveComment = Comment;

export interface SubscribeOptions {
  /**
   * Called when events may have been missed (the cross-instance link was down and is back).
   * Snapshots are complete, so the subscriber heals by re-reading the current state of its ids.
   */
  onGap?: () => void;
  /**
   * New comments on the subscribed exposes. Unlike snapshots, comments are not states: each one is
   * delivered (never coalesced), in publish order per instance; receivers de-duplicate by id.
   */
  onComment?: (comment: LiveComment) => void;
}

/**
 * The fan-out port (DESIGN.md "live fan-out"): committed metrics changes go in, every subscriber of
 * that expose on every instance gets them. Delivery is at-most-once and may reorder; receivers keep
 * the highest `version` per expose, which makes both harmless.
 */
export interface MetricsBus {
  /** Fire-and-forget: never throws, never waits on the network. Call it after the commit. */
  publish(snapshot: LiveSnapshot): void;
  /** Fire-and-forget like `publish`, for a committed comment. */
  publishComment(comment: LiveComment): void;
  /** Returns the unsubscribe function; calling it twice is harmless. */
  subscribe(exposeIds: readonly string[], listener: BusListener, opts?: SubscribeOptions): () => void;
  /** Open subscriptions on this instance (one per subscribe call). */
  listenerCount(): number;
  /** Readiness of the bus's network connections by role (ec_redis_up); absent in-process. */
  connections?(): Record<string, boolean>;
  close(): Promise<void>;
}

/**
 * The one line a domain write calls after its commit. Strips `myVote` (it belongs to the caller, not
 * to the world) and swallows every error: a failed fan-out must never fail an acknowledged write.
 */
export function publishSnapshot(bus: MetricsBus | undefined, snapshot: MetricsSnapshot): void {
  if (!bus) return;
  try {
    bus.publish(toLiveSnapshot(snapshot));
  } catch {
    // Fan-out is best effort; readers heal with the next event or their periodic refresh.
  }
}

/** The same contract as publishSnapshot, for a committed comment (published before its snapshot). */
export function publishComment(bus: MetricsBus | undefined, comment: LiveComment): void {
  if (!bus) return;
  try {
    const { id, exposeId, body, authorName, createdAt } = comment;
    bus.publishComment({ id, exposeId, body, authorName, createdAt });
  } catch {
    // Best effort, as for snapshots: a page that missed it gets the comment with its next page load.
  }
}

import { noLiveProbe, type LiveProbe } from '@/lib/server/observability/probes';
import type { BusListener, LiveComment, LiveSnapshot, SubscribeOptions } from './bus';

/** Milliseconds since the epoch with sub-millisecond precision (comparable across local processes). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

interface Subscription {
  ids: readonly string[];
  listener: BusListener;
  onGap?: () => void;
  onComment?: (comment: LiveComment) => void;
}

/** The in-process half of every bus: who listens to which expose, and handing events to them. */
export interface LocalFanout {
  /**
   * Queues the snapshot; listeners get it on the next turn of the event loop, never inside the caller.
   * `publishedAt` (epochMs) and `source` feed the delivery-lag histogram; a local publish is now.
   */
  deliver(snapshot: LiveSnapshot, publishedAt?: number, source?: 'local' | 'redis'): void;
  /** Queues a comment for the same turn; every comment is delivered, in the order given. */
  deliverComment(comment: LiveComment): void;
  subscribe(exposeIds: readonly string[], listener: BusListener, opts?: SubscribeOptions): () => void;
  listenerCount(): number;
  /** Tells every subscriber (or those watching an expose `only` accepts) that events may have been missed. */
  signalGap(only?: (exposeId: string) => boolean): void;
  clear(): void;
}

interface Queued {
  snapshot: LiveSnapshot;
  publishedAt: number;
  source: 'local' | 'redis';
}

export function createLocalFanout(onListenerError: (err: unknown) => void = () => {}, probe: LiveProbe = noLiveProbe): LocalFanout {
  const byId = new Map<string, Set<Subscription>>();
  const all = new Set<Subscription>();
  // Highest version per expose since the last flush: a burst of writes costs one delivery pass.
  let queued = new Map<string, Queued>();
  let queuedComments: LiveComment[] = [];
  let flushScheduled = false;

  const call = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onListenerError(err);
    }
  };

  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    // Off the publisher's path: the write that committed answers its client first.
    setImmediate(flush);
  };

  const flush = () => {
    flushScheduled = false;
    const batch = queued;
    queued = new Map();
    // Comments before snapshots: a page then never shows a count that its list has not caught up with.
    const comments = queuedComments;
    queuedComments = [];
    for (const comment of comments) {
      for (const sub of [...(byId.get(comment.exposeId) ?? [])]) {
        const onComment = sub.onComment;
        if (onComment && all.has(sub)) call(() => onComment(comment));
      }
    }
    const now = epochMs();
    for (const { snapshot, publishedAt, source } of batch.values()) {
      const subs = byId.get(snapshot.exposeId);
      if (!subs) continue;
      probe.delivered(source, Math.max(0, now - publishedAt) / 1000);
      // Copy: a listener may unsubscribe (itself or another) while we iterate.
      for (const sub of [...subs]) if (all.has(sub)) call(() => sub.listener(snapshot));
    }
  };

  return {
    deliver(snapshot, publishedAt = epochMs(), source = 'local') {
      if (!byId.has(snapshot.exposeId)) return;
      const prev = queued.get(snapshot.exposeId);
      if (!prev || snapshot.version > prev.snapshot.version) queued.set(snapshot.exposeId, { snapshot, publishedAt, source });
      scheduleFlush();
    },
    deliverComment(comment) {
      if (!byId.has(comment.exposeId)) return;
      queuedComments.push(comment);
      scheduleFlush();
    },
    subscribe(exposeIds, listener, opts = {}) {
      const sub: Subscription = { ids: [...new Set(exposeIds)], listener, onGap: opts.onGap, onComment: opts.onComment };
      all.add(sub);
      for (const id of sub.ids) {
        let set = byId.get(id);
        if (!set) byId.set(id, (set = new Set()));
        set.add(sub);
      }
      return () => {
        if (!all.delete(sub)) return;
        for (const id of sub.ids) {
          const set = byId.get(id);
          set?.delete(sub);
          if (set?.size === 0) byId.delete(id);
        }
      };
    },
    listenerCount: () => all.size,
    signalGap(only) {
      for (const sub of [...all]) {
        const onGap = sub.onGap;
        if (onGap && (!only || sub.ids.some(only))) call(onGap);
      }
    },
    clear() {
      all.clear();
      byId.clear();
      queued.clear();
      queuedComments = [];
    },
  };
}

import type { Comment, MetricsSnapshot, MyVote } from '@/lib/contracts/core';
import type { PendingOp } from './operations';
import type { RequestFailure } from './policy';
import type { QueueStorage } from './queue-storage';

/** How a queued op ended. */
export type OpResult =
  | { ok: true; snapshot: MetricsSnapshot; comment?: Comment }
  | { ok: true; dropped: 'merged' | 'no_change' }
  | { ok: false; failure: RequestFailure };

/** The part of the Web Locks API the queue uses (navigator.locks). */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The part of BroadcastChannel the queue uses. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

type Message = { type: 'put'; op: PendingOp } | { type: 'settled'; op: PendingOp; result: OpResult };

export interface OpQueueHost {
  /** Sender tab only: sends the op (retrying, waiting while offline) and says how it ended. */
  send(op: PendingOp): Promise<OpResult>;
  /** Resolves true once the browser is online (at once if it is), false if disposed first. */
  waitOnline(): Promise<boolean>;
  /** Marks the op as on its way (sender tab). */
  sending(op: PendingOp): void;
  /** An op this tab did not create (another tab's, or restored after a reload): show it as pending. */
  adopt(op: PendingOp): void;
  /** The op has ended, in this tab (`here`) or in the sender tab. */
  settled(op: PendingOp, result: OpResult, here: boolean): void;
  /** The caller's vote on that expose as the server last told this tab, if it knows. */
  knownServerVote(exposeId: string): MyVote | undefined;
  /** The queue's length changed. */
  changed(): void;
  /** Ops from before this page (a reload, a closed tab) were found in storage. */
  restored?(count: number): void;
  now(): number;
}

export interface OpQueueDeps {
  storage: QueueStorage;
  /** Tabs of one site share the queue through it; absent: this tab is alone. */
  channel?: ChannelLike | undefined;
  /** Only the holder of SENDER_LOCK sends; absent: this tab always sends. */
  locks?: LockManagerLike | undefined;
  /** Older ops are dropped: the server forgets Idempotency-Keys after 24 h. */
  maxAgeMs: number;
  lifetime: AbortSignal;
}

export const SENDER_LOCK = 'expose-corner:op-sender';

export const EXPIRED_FAILURE: RequestFailure = Object.freeze({
  kind: 'expired',
  code: 'offline_expired',
  message: 'Not sent: it waited offline for more than 24 hours.',
});

const byAge = (a: PendingOp, b: PendingOp) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The person's writes (votes, shares, comments), persisted and shared by every tab of the site.
 * Each tab shows every queued op; exactly one tab (the holder of a Web Lock) sends them, one at a
 * time in the order they were made, each with its own Idempotency-Key. When that tab closes, the
 * lock passes to another tab, which sends whatever is left (again with the same keys: an op the
 * closed tab had sent is then a replay on the server, never a second count).
 * Votes are states: when an expose has several queued votes, only the last one is sent.
 */
export class OpQueue {
  private readonly ops = new Map<string, PendingOp>();
  /** Ops that ended while a load was in flight must not come back from that load. */
  private readonly settledIds = new Set<string>();
  private readonly restored: Promise<void>;
  private wake: (() => void) | undefined;
  private leading = false;
  /** The current claim on the sender lock; aborted by `suspend` (and by the engine's end). */
  private tenure: AbortController | undefined;

  constructor(
    private readonly host: OpQueueHost,
    private readonly d: OpQueueDeps,
  ) {
    if (d.channel) d.channel.onmessage = (e) => this.onMessage(e.data as Message);
    this.restored = this.restore();
    d.lifetime.addEventListener('abort', () => {
      this.tenure?.abort();
      this.wake?.();
      d.channel?.close();
    });
    this.claim();
  }

  /** Asks for the sender lock (without Web Locks this tab simply sends); sends while it holds it. */
  private claim(): void {
    const tenure = new AbortController();
    this.tenure = tenure;
    if (this.d.lifetime.aborted) tenure.abort();
    if (this.d.locks) {
      this.d.locks.request(SENDER_LOCK, { signal: tenure.signal }, () => this.lead(tenure.signal)).catch(() => {});
    } else {
      void this.lead(tenure.signal);
    }
  }

  /**
   * The page is going into the back/forward cache: give the sender lock back (after the op in
   * flight, if any), so that the next page of the site can send, and the cached page is not evicted
   * for holding a lock another page asks for (Chromium: "weblocks-contention"). No-op without locks.
   */
  suspend(): void {
    if (!this.d.locks || !this.tenure || this.tenure.signal.aborted) return;
    this.tenure.abort();
    this.wake?.();
  }

  /** The page is shown again from the back/forward cache: ask for the sender lock again. */
  resume(): void {
    if (!this.d.locks || this.d.lifetime.aborted || !this.tenure?.signal.aborted) return;
    this.claim();
  }

  get size(): number {
    return this.ops.size;
  }

  /** True while this tab is the one that sends. */
  get isSender(): boolean {
    return this.leading;
  }

  has(opId: string): boolean {
    return this.ops.has(opId);
  }

  /** A new op of this tab: persisted, announced to the other tabs, sent by the sender tab. */
  enqueue(op: PendingOp): void {
    if (this.d.lifetime.aborted) return;
    this.settledIds.delete(op.id);
    this.ops.set(op.id, op);
    // Announce after the write so that a tab loading the queue meanwhile cannot miss it for good.
    void this.d.storage
      .put(op)
      .catch(() => {})
      .finally(() => this.post({ type: 'put', op }));
    this.host.changed();
    this.wake?.();
  }

  private async restore(): Promise<void> {
    let loaded: PendingOp[] = [];
    try {
      loaded = await this.d.storage.load();
    } catch {
      return;
    }
    if (this.d.lifetime.aborted) return;
    let added = false;
    for (const op of loaded.sort(byAge)) {
      if (this.ops.has(op.id) || this.settledIds.has(op.id)) continue;
      this.ops.set(op.id, op);
      this.host.adopt(op);
      added = true;
    }
    if (added) {
      this.host.restored?.(this.ops.size);
      this.host.changed();
      this.wake?.();
    }
  }

  private onMessage(msg: Message): void {
    if (this.d.lifetime.aborted || typeof msg !== 'object' || msg === null) return;
    if (msg.type === 'put') {
      this.settledIds.delete(msg.op.id);
      if (this.ops.has(msg.op.id)) return;
      this.ops.set(msg.op.id, msg.op);
      this.host.adopt(msg.op);
      this.host.changed();
      this.wake?.();
    } else if (msg.type === 'settled') {
      this.settledIds.add(msg.op.id);
      if (!this.ops.delete(msg.op.id)) return;
      this.host.settled(msg.op, msg.result, false);
      this.host.changed();
    }
  }

  private post(msg: Message): void {
    if (this.d.lifetime.aborted) return;
    try {
      this.d.channel?.postMessage(msg);
    } catch {
      /* a closed channel: the other tabs reload the queue when they start */
    }
  }

  /** The sender's loop; returns (and so gives the lock back) when the engine is disposed or the tenure suspended. */
  private async lead(tenure: AbortSignal): Promise<void> {
    if (tenure.aborted) return;
    this.leading = true;
    await this.restored;
    const ended = new Promise<false>((resolve) => tenure.addEventListener('abort', () => resolve(false), { once: true }));
    while (!tenure.aborted) {
      // Nothing leaves while offline, so that what is decided below (merge, expiry) is decided late.
      if (!(await Promise.race([this.host.waitOnline(), ended]))) break;
      if (tenure.aborted) break;
      const next = [...this.ops.values()].sort(byAge)[0];
      if (!next) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      await this.process(next);
    }
    this.leading = false;
  }

  private async process(op: PendingOp): Promise<void> {
    if (this.host.now() - op.createdAt > this.d.maxAgeMs) return this.finish(op, { ok: false, failure: EXPIRED_FAILURE });
    if (op.kind === 'vote') {
      const later = [...this.ops.values()].some((o) => o.kind === 'vote' && o.exposeId === op.exposeId && byAge(o, op) > 0);
      if (later) return this.finish(op, { ok: true, dropped: 'merged' });
      if (this.host.knownServerVote(op.exposeId) === op.payload.target && !op.sent) {
        return this.finish(op, { ok: true, dropped: 'no_change' });
      }
    }
    if (!op.sent) {
      // Remembered, so that after a reload its effect is treated as possibly applied already.
      const sent = { ...op, sent: true };
      this.ops.set(op.id, sent);
      void this.d.storage.put(sent).catch(() => {});
    }
    this.host.sending(op);
    const result = await this.host.send(op);
    // Disposed mid-way (the tab is closing): the op stays stored for the next sender.
    if (this.d.lifetime.aborted) return;
    this.finish(op, result);
  }

  private finish(op: PendingOp, result: OpResult): void {
    this.ops.delete(op.id);
    this.settledIds.add(op.id);
    void this.d.storage.remove(op.id).catch(() => {});
    this.post({ type: 'settled', op, result });
    this.host.settled(op, result, true);
    this.host.changed();
  }
}

import type { Comment, CommentsPage, MetricsSnapshot, MyVote, ShareChannel, ExposesPage } from '@/lib/contracts/core';
import type { FeedOrder } from '@/lib/contracts/feed-order';
import { listCommentsRequest, listExposesRequest, readCommentsPage, readExposesPage } from './endpoints';
import { createEmitter, type EngineEvent } from './events';
import { ExposeStore } from './expose-store';
import type { LiveEventSourceConstructor } from './live-source';
import { LiveStream, type LiveStatus } from './live-stream';
import { DISPOSED, OpExecutor } from './op-executor';
import { OpQueue, type ChannelLike, type LockManagerLike } from './op-queue';
import { memoryQueueStorage, type QueueStorage } from './queue-storage';
import { metricsBatchRequest, readMetricsBatch } from './endpoints';
import type { PendingOp } from './operations';
import { knowsServerVote } from './reducer';
import { DEFAULT_POLICY, type MetricsPolicy, type RequestFailure } from './policy';
import { RefreshLoop } from './refresh-loop';
import { runWithRetries, type RunResult, type RunnerDeps } from './request-runner';
import { alwaysOnSignals, type EnvironmentSignals } from './signals';
import { globalTimers, TimerSet, type TimerSeams } from './timers';
import type { FetchLike, TransportInterceptor } from './transport';
import type { ExposeView } from './view';
import { VoteScheduler } from './vote-scheduler';
import { ExperimentSession } from './experiments';
import type { AssignmentShape } from '@/lib/contracts/experiments-shape';
import type { VoteButton } from '@/lib/contracts/vote-transition';
import type { ChallengeSolver } from './challenge';

export interface MetricsEngineOptions {
  fetch: FetchLike;
  timers?: TimerSeams;
  now?: () => number;
  randomUUID?: () => string;
  signals?: EnvironmentSignals;
  /** Sits in front of fetch, e.g. FaultInjector.interceptor on a test page. */
  transportInterceptor?: TransportInterceptor;
  policy?: Partial<MetricsPolicy>;
  /** Prefix for API paths; '' (same origin) by default. */
  baseUrl?: string;
  /** EventSource for the live stream (window.EventSource); without it the engine only polls. */
  eventSource?: LiveEventSourceConstructor;
  /** In [0, 1); jitters the live reconnect backoff. Math.random by default. */
  random?: () => number;
  /** Solves a 428's proof of work (a Web Worker in the browser); without it a 428 fails the operation. */
  solveChallenge?: ChallengeSolver;
  /** Where queued writes survive reloads (IndexedDB in the browser); in memory by default. */
  queueStorage?: QueueStorage;
  /** BroadcastChannel shared by the site's tabs; without it this engine's queue is its own. */
  channel?: ChannelLike;
  /** navigator.locks: only the holder of the sender lock sends; without it this engine sends. */
  locks?: LockManagerLike;
  /** The host knows the browser holds a session cookie already (tests); else the first write asks for one. */
  hasSession?: boolean;
  /**
   * Take part in A/B experiments (docs/EXPERIMENTS.md): ask GET /api/experiments for this session's
   * variants at start and apply their policy overrides. Off by default (tests, the debug console).
   */
  experiments?: boolean;
}

/** What the offline banner shows. */
export interface SyncStatus {
  /** Writes waiting in the shared queue (every tab's). */
  pending: number;
  /** The browser says offline, or the last request failed as a network error. */
  offline: boolean;
  /** When the queue last became empty after waiting for the network (for "All changes synced"). */
  syncedAt: number | null;
}

export type CommentResult = { ok: true; comment: Comment } | { ok: false; failure: RequestFailure };
export type SnapshotSource = 'register' | 'refresh' | 'live';

/**
 * The browser-side metrics engine: confirmed snapshots + pending optimistic operations per expose,
 * sent with timeouts and retries, refreshed in batches. No React, no globals: every seam is injected.
 */
export class MetricsEngine {
  /** The defaults with the caller's overrides; experiment variants replace some values once known. */
  private currentPolicy: MetricsPolicy;
  private readonly experiments: ExperimentSession | undefined;
  private readonly store = new ExposeStore();
  private readonly events = createEmitter<EngineEvent>();
  private readonly lifetime = new AbortController();
  private readonly timers: TimerSet;
  private readonly deps: RunnerDeps;
  private readonly refresh: RefreshLoop;
  private readonly ops: OpExecutor;
  private readonly votes: VoteScheduler;
  private readonly live: LiveStream | undefined;
  private readonly liveEvents = createEmitter<LiveStatus>();
  private readonly queue: OpQueue;
  private readonly syncEvents = createEmitter<SyncStatus>();
  private syncStatus: SyncStatus = { pending: 0, offline: false, syncedAt: null };
  private networkDown = false;
  private waitedOffline = false;
  private sessionHeld = false;
  private sessionHandshake: Promise<void> | undefined;
  /** Requests that left before any reply brought the session cookie: each may still set one. */
  private cookielessInFlight = 0;
  private cookielessStarted = 0;
  private cookielessDone: Array<() => void> = [];
  private readonly unsubscribeSignals: () => void;

  constructor(opts: MetricsEngineOptions) {
    const basePolicy: MetricsPolicy = { ...DEFAULT_POLICY, ...opts.policy };
    this.currentPolicy = basePolicy;
    this.timers = new TimerSet(opts.timers ?? globalTimers);
    this.sessionHeld = opts.hasSession ?? false;
    const now = opts.now ?? (() => Date.now());
    const { fetch, transportInterceptor: intercept } = opts;
    // Read on every use: an experiment's variant may replace these values after start.
    const policy = () => this.currentPolicy;
    this.deps = {
      fetch: intercept ? (url, init) => intercept(url, init, fetch) : fetch,
      timers: this.timers,
      get timeoutMs() {
        return policy().requestTimeoutMs;
      },
      baseUrl: opts.baseUrl ?? '',
      now,
      lifetime: this.lifetime.signal,
      get policy() {
        return policy();
      },
      signals: opts.signals ?? alwaysOnSignals,
      emit: (e) => this.events.emit(e),
      ...(opts.solveChallenge && { solveChallenge: opts.solveChallenge }),
      onRequest: () => {
        if (this.sessionHeld) return () => {};
        this.cookielessInFlight += 1;
        this.cookielessStarted += 1;
        let ended = false;
        return () => {
          if (ended) return;
          ended = true;
          this.cookielessInFlight -= 1;
          if (this.cookielessInFlight === 0) this.cookielessDone.splice(0).forEach((resolve) => resolve());
        };
      },
      onResponse: () => {
        this.sessionHeld = true;
        if (this.networkDown) {
          this.networkDown = false;
          this.updateSync();
        }
      },
      onNetworkFailure: () => {
        if (!this.networkDown) {
          this.networkDown = true;
          this.updateSync();
        }
      },
    };
    this.refresh = new RefreshLoop(
      {
        isIdle: () => this.getPendingOperations().length === 0,
        // The stream delivers every committed change; polling on top of it would only add load.
        isLive: () => this.liveStatus === 'live',
        apply: (items) => items.forEach((s) => this.applyServerSnapshot(s, 'refresh')),
      },
      this.deps,
    );
    this.ops = new OpExecutor({
      store: this.store,
      runner: this.deps,
      uuid: opts.randomUUID ?? (() => globalThis.crypto.randomUUID()),
      session: (exposeId) => this.holdSession(exposeId),
      offline: (op) => {
        this.waitedOffline = true;
        this.events.emit({ type: 'queued_offline', at: now(), opId: op.id, exposeId: op.exposeId, kind: op.kind });
        this.updateSync();
      },
    });
    this.queue = new OpQueue(
      {
        ...this.ops.queueHost,
        changed: () => this.updateSync(),
        // Changes made before this page: say "All changes synced" once they are through.
        restored: () => {
          this.waitedOffline = true;
        },
      },
      {
        storage: opts.queueStorage ?? memoryQueueStorage(),
        channel: opts.channel,
        locks: opts.locks,
        maxAgeMs: basePolicy.queueMaxAgeMs,
        lifetime: this.lifetime.signal,
      },
    );
    this.ops.attach(this.queue);
    this.votes = new VoteScheduler({
      store: this.store,
      ops: this.ops,
      timers: this.timers,
      // A vote is what the vote-debounce experiment changes: its first one exposes the session.
      debounceMs: () => {
        this.experiments?.affect('voteDebounceMs');
        return this.currentPolicy.voteDebounceMs;
      },
      now,
      emit: this.deps.emit,
      voteLookup: (exposeId) => {
        const state = this.store.get(exposeId);
        if (!state || knowsServerVote(state) || !this.deps.signals.isOnline()) return null;
        return this.refresh.lookupOf(exposeId);
      },
    });
    this.unsubscribeSignals = this.deps.signals.subscribe(() => this.updateSync());
    this.live = opts.eventSource && this.createLiveStream(opts.eventSource, opts.random ?? Math.random);
    if (opts.experiments) {
      this.experiments = new ExperimentSession(
        {
          deps: this.deps,
          setPolicy: (p) => (this.currentPolicy = p),
          cookielessRequests: () => this.cookielessStarted,
          sessionSettled: () =>
            this.cookielessInFlight === 0 || this.isDisposed ? Promise.resolve() : new Promise<void>((resolve) => this.cookielessDone.push(resolve)),
          exposed: (e) => this.events.emit({ type: 'exposure', at: now(), ...e }),
        },
        basePolicy,
      );
      this.experimentsLoaded = this.experiments.load();
      // The other overridable values expose the session where they first act on a person's write.
      this.events.subscribe((e) => {
        if (e.type === 'retry_scheduled' && e.opId !== undefined) this.experiments?.affect('retryDelaysMs');
        else if (e.type === 'request_sent' && e.opId !== undefined) this.experiments?.affect('requestTimeoutMs');
        else if (e.type === 'refresh') this.experiments?.affect('refreshIntervalMs');
      });
    }
  }

  /** The policy in force: the defaults and the caller's options, with the session's variants applied. */
  get policy(): MetricsPolicy {
    return this.currentPolicy;
  }

  /** Settles once the session's experiment assignments arrived (or failed); at once without experiments. */
  readonly experimentsLoaded: Promise<void> = Promise.resolve();

  /** The session's variants in running experiments, once they arrived. */
  get experimentAssignments(): readonly AssignmentShape[] {
    return this.experiments?.current ?? [];
  }

  private createLiveStream(EventSource: LiveEventSourceConstructor, random: () => number): LiveStream {
    // A copy of the deps: the live stream's settings are not among an experiment's overrides.
    const host = {
      ids: () => this.refresh.trackedIds(),
      apply: (s: MetricsSnapshot) => this.applyServerSnapshot(s, 'live'),
      comment: (c: Comment) => {
        if (!this.isDisposed) this.store.dispatch(c.exposeId, { type: 'comment_received', comment: c });
      },
      // The stream has no myVote (another tab may have voted) and events were missed: refresh once,
      // unless a refresh already started since (coming back to the tab refreshes by itself).
      recovered: (since: number) => {
        if (this.refresh.lastRefreshAt < since) void this.refreshMetrics();
      },
      statusChanged: (status: LiveStatus) => this.liveEvents.emit(status),
    };
    return new LiveStream(host, { ...this.deps, EventSource, random });
  }

  get isDisposed(): boolean {
    return this.lifetime.signal.aborted;
  }

  subscribe(exposeId: string, listener: () => void): () => void {
    return this.store.subscribe(exposeId, listener);
  }

  /** The view of one expose; the same object until that expose changes. Undefined if unknown. */
  getSnapshot(exposeId: string): ExposeView | undefined {
    return this.store.getView(exposeId);
  }

  /** The event log: op queued/merged/dropped, request sent, retry scheduled, ack, failure, refresh. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Unacknowledged operations as plain objects (for persistence and debugging). */
  getPendingOperations(): PendingOp[] {
    return [...this.store.all()].flatMap((s) => s.ops.filter((op) => op.phase !== 'acked'));
  }

  /**
   * An expose is on the page: seeds or updates it (version rule) and includes it in refreshes. A
   * snapshot without `myVote` (a page shared by every visitor, e.g. the cached feed) makes the
   * engine ask the server for the caller's vote, in one request for all exposes registered together.
   */
  register(snapshot: MetricsSnapshot): () => void {
    const id = snapshot.exposeId;
    if (this.store.has(id)) this.applyServerSnapshot(snapshot, 'register');
    else this.store.ensure(id, snapshot);
    if (this.isDisposed) return () => {};
    const untrack = this.refresh.track(id);
    if (!knowsServerVote(this.store.ensure(id))) this.refresh.lookUpSoon(id);
    this.live?.idsChanged();
    return () => {
      untrack();
      this.live?.idsChanged();
    };
  }

  /** 'off' without an EventSource or with nothing registered; 'live' while the stream delivers. */
  get liveStatus(): LiveStatus {
    return this.live?.status ?? 'off';
  }

  onLiveStatusChange(listener: (status: LiveStatus) => void): () => void {
    return this.liveEvents.subscribe(listener);
  }

  /** Every server snapshot not answering one of our ops comes in here (refresh, live stream). */
  applyServerSnapshot(snapshot: MetricsSnapshot, source: SnapshotSource = 'live'): void {
    if (this.isDisposed) return;
    const { exposeId, version } = snapshot;
    this.events.emit({ type: 'snapshot', at: this.deps.now(), exposeId, version, source });
    this.store.dispatch(exposeId, { type: 'snapshot', snapshot });
  }

  /** A click on a vote button (Reddit semantics), debounced and merged with other clicks. */
  vote(exposeId: string, button: VoteButton): Promise<boolean> {
    return this.votes.click(exposeId, button).then((o) => o.ok);
  }

  /** Sets the caller's vote to `target`; debounced like a click. */
  setVote(exposeId: string, target: MyVote): Promise<boolean> {
    return this.votes.setTarget(exposeId, target).then((o) => o.ok);
  }

  /** Counts a view; at most one view op per expose per engine lifetime (StrictMode included). */
  view(exposeId: string): Promise<boolean> {
    const state = this.store.ensure(exposeId);
    if (!state.viewRequested) return this.ops.start(exposeId, { kind: 'view', payload: {} }).then((o) => o.ok);
    const pending = state.ops.find((op) => op.kind === 'view');
    return pending ? this.ops.outcome(pending.id).then((o) => o.ok) : Promise.resolve(true);
  }

  share(exposeId: string, channel: ShareChannel = 'link'): Promise<boolean> {
    return this.ops.start(exposeId, { kind: 'share', payload: { channel } }).then((o) => o.ok);
  }

  comment(exposeId: string, body: string, authorName?: string): Promise<CommentResult> {
    const name = authorName?.trim();
    const payload = name ? { body, authorName: name } : { body };
    return this.ops.start(exposeId, { kind: 'comment', payload }).then((o): CommentResult => {
      if (!o.ok) return o;
      return o.comment ? { ok: true, comment: o.comment } : { ok: false, failure: DISPOSED };
    });
  }

  /** Re-sends the expose's last finally failed op with its original id (= Idempotency-Key). */
  retryFailed(exposeId: string): Promise<boolean> {
    const failed = this.store.get(exposeId)?.error?.op;
    if (!failed || this.isDisposed) return Promise.resolve(false);
    if (failed.kind !== 'vote') return this.ops.restart(failed).then((o) => o.ok);
    // A vote is a state: re-request the failed target (a newer click, if any, still wins).
    this.store.dispatch(exposeId, { type: 'error_cleared' });
    return this.setVote(exposeId, failed.payload.target);
  }

  dismissError(exposeId: string): void {
    if (this.store.has(exposeId)) this.store.dispatch(exposeId, { type: 'error_cleared' });
  }

  /** One batched GET for every registered expose. Resolves false when it failed. */
  refreshMetrics(): Promise<boolean> {
    return this.isDisposed ? Promise.resolve(false) : this.refresh.refreshNow();
  }

  /** GET /api/expose/comments (newest first), with the engine's timeout and retry policy. */
  listComments(exposeId: string, opts: { limit?: number; cursor?: string | null } = {}): Promise<RunResult<CommentsPage>> {
    return runWithRetries(listCommentsRequest(exposeId, opts), readCommentsPage, this.deps);
  }

  /** GET /api/exposes: the feed page after `cursor` in `order`, with the engine's timeout and retries. */
  listExposes(order: FeedOrder, opts: { limit: number; cursor: string }): Promise<RunResult<ExposesPage>> {
    return runWithRetries(listExposesRequest(order, opts), readExposesPage, this.deps);
  }

  /** The offline banner's numbers; the same object until they change. */
  getSyncStatus(): SyncStatus {
    return this.syncStatus;
  }

  onSyncStatusChange(listener: (status: SyncStatus) => void): () => void {
    return this.syncEvents.subscribe(listener);
  }

  /** True while this tab is the one sending the shared queue. */
  get isQueueSender(): boolean {
    return this.queue.isSender;
  }

  /**
   * The page enters the back/forward cache (pagehide, persisted): gives the queue's sender lock back
   * so the next page can send and this one stays cacheable. `resumeSending` on pageshow takes it again.
   */
  suspendSending(): void {
    this.queue.suspend();
  }

  /**
   * The page is being hidden (pagehide, or visibilitychange to hidden): votes still inside their
   * debounce go to the persisted queue now instead of dying with a closed tab.
   */
  flushVotes(): void {
    if (!this.isDisposed) this.votes.flush();
  }

  resumeSending(): void {
    this.queue.resume();
  }

  private updateSync(): void {
    if (this.isDisposed) return;
    const pending = this.queue.size;
    const offline = !this.deps.signals.isOnline() || this.networkDown;
    if (offline && pending > 0) this.waitedOffline = true;
    let { syncedAt } = this.syncStatus;
    if (pending === 0 && !offline && this.waitedOffline) {
      this.waitedOffline = false;
      syncedAt = this.deps.now();
      this.events.emit({ type: 'synced', at: syncedAt });
    }
    const prev = this.syncStatus;
    if (prev.pending === pending && prev.offline === offline && prev.syncedAt === syncedAt) return;
    this.syncStatus = { pending, offline, syncedAt };
    this.syncEvents.emit(this.syncStatus);
  }

  /**
   * Before this page's first write: make sure the browser holds the session cookie. A first-time
   * visitor's cookie arrives with the first API reply; were that reply a write's and lost, the
   * retry would go without it, as another session, and a share or comment could count twice. So
   * unless some API reply came already, one GET (the expose's metrics, applied as well) goes first.
   * Every request that left without a cookie is also waited for: each of them gets a new session
   * from the server, and the last Set-Cookie to arrive is the one the browser keeps.
   */
  private holdSession(exposeId: string): Promise<void> | null {
    if ((this.sessionHeld && this.cookielessInFlight === 0) || this.isDisposed) return null;
    if (!this.sessionHeld) {
      this.sessionHandshake ??= runWithRetries(metricsBatchRequest([exposeId]), readMetricsBatch, this.deps, {
        waitOutNetworkErrors: true,
      }).then((res) => {
        this.sessionHandshake = undefined;
        if (res.ok) res.value.forEach((snap) => this.store.has(snap.exposeId) && this.applyServerSnapshot(snap, 'refresh'));
      });
    }
    const handshake = this.sessionHandshake ?? Promise.resolve();
    return handshake.then(() =>
      this.cookielessInFlight === 0 || this.isDisposed ? undefined : new Promise<void>((resolve) => this.cookielessDone.push(resolve)),
    );
  }

  /** Cancels every timer, aborts every request in flight and resolves every waiting promise (false). */
  dispose(): void {
    if (this.isDisposed) return;
    this.lifetime.abort();
    this.refresh.stop();
    this.live?.stop();
    this.liveEvents.clear();
    this.syncEvents.clear();
    this.cookielessDone.splice(0).forEach((resolve) => resolve());
    this.unsubscribeSignals();
    this.timers.clearAll();
    this.ops.settleAll({ ok: false, failure: DISPOSED });
    this.store.clearListeners();
    this.events.clear();
  }

  /** Timers the engine currently holds (0 after dispose). */
  get activeTimerCount(): number {
    return this.timers.size;
  }
}

import type { Comment, MetricsSnapshot } from '@/lib/contracts/core';
import { readLiveComment, readLiveEvent, streamUrls, type LiveEventSource, type LiveEventSourceConstructor } from './live-source';
import { liveReconnectDelayMs, type MetricsPolicy } from './policy';
import type { EnvironmentSignals } from './signals';
import type { TimerSet } from './timers';

/**
 * - off: nothing registered.
 * - connecting: streams opened; not every one has delivered its first snapshot yet.
 * - live: every stream is open and has delivered a snapshot; the periodic refresh is not needed.
 * - down: a stream broke; waiting for the backoff (or for the network) to reconnect.
 * - paused: the tab was hidden for `liveHiddenCloseMs`; reopens when it is shown again.
 */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'down' | 'paused';

export interface LiveHost {
  /** The exposes registered on the page right now. */
  ids(): readonly string[];
  apply(snapshot: MetricsSnapshot): void;
  /** A comment committed on one of the ids (by anyone, the caller included). */
  comment(comment: Comment): void;
  /** Live again after being down or paused since `since`: events in between were missed. */
  recovered(since: number): void;
  statusChanged(status: LiveStatus): void;
}

export interface LiveDeps {
  EventSource: LiveEventSourceConstructor;
  timers: TimerSet;
  policy: MetricsPolicy;
  signals: EnvironmentSignals;
  baseUrl: string;
  now: () => number;
  random: () => number;
  lifetime: AbortSignal;
}

interface Source {
  url: string;
  es: LiveEventSource;
  live: boolean;
  closed: boolean;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The page's live subscription: one EventSource for every registered expose (one per
 * `maxIdsPerStream` ids), re-opened with the new set after the set changed and settled.
 *
 * Reconnects are ours, never the browser's: on any error every source is closed and reopened after
 * the policy's backoff. A browser gives up for good after a non-200 answer (429, 503), and its own
 * `retry:` loop would ignore our backoff and our offline signal. The streams of one page fail and
 * reconnect together; a page rarely needs more than one. Nothing is lost while down: a new stream
 * starts with the current snapshot of every id, and the engine refreshes once for `myVote`.
 */
export class LiveStream {
  private sources: Source[] = [];
  private current: LiveStatus = 'off';
  /** Failed connections in a row; reset once a stream delivers. */
  private failures = 0;
  /** When the stream went down or paused; undefined while it is healthy. */
  private downSince: number | undefined;
  private debounceTimer: number | undefined;
  private reconnectTimer: number | undefined;
  private hiddenTimer: number | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: LiveHost,
    private readonly deps: LiveDeps,
  ) {}

  get status(): LiveStatus {
    return this.current;
  }

  /** The page's set of exposes changed: re-subscribe once it has been quiet for a moment. */
  idsChanged(): void {
    if (this.deps.lifetime.aborted) return;
    const { timers, policy } = this.deps;
    timers.clear(this.debounceTimer);
    this.debounceTimer = timers.set(() => {
      this.debounceTimer = undefined;
      this.resubscribe();
    }, policy.liveResubscribeDebounceMs);
  }

  /** Closes every stream and timer and forgets the backoff. */
  stop(): void {
    this.closeSources();
    for (const t of [this.debounceTimer, this.reconnectTimer, this.hiddenTimer]) this.deps.timers.clear(t);
    this.debounceTimer = this.reconnectTimer = this.hiddenTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.failures = 0;
    this.downSince = undefined;
    this.setStatus('off');
  }

  private urls(): string[] {
    return streamUrls(this.host.ids(), this.deps.policy.maxIdsPerStream, this.deps.baseUrl);
  }

  private resubscribe(): void {
    const urls = this.urls();
    if (urls.length === 0) return this.stop();
    // Down or paused: the reconnect (or the tab's return) opens with whatever the set is by then.
    if (this.current === 'down' || this.current === 'paused') return;
    if (this.current !== 'off' && sameList(urls, this.sources.map((s) => s.url))) return;
    this.open(urls);
    this.unsubscribe ??= this.deps.signals.subscribe(() => this.onSignal());
    this.onSignal();
  }

  /** Replaces the sources. The new ones start with fresh snapshots, so nothing falls in the gap. */
  private open(urls = this.urls()): void {
    this.closeSources();
    if (urls.length === 0) return this.stop();
    this.sources = urls.map((url) => this.connect(url));
    this.setStatus('connecting');
  }

  private connect(url: string): Source {
    const source: Source = { url, es: new this.deps.EventSource(url), live: false, closed: false };
    source.es.addEventListener('metrics', (e) => this.onMetrics(source, e.data));
    source.es.addEventListener('comment', (e) => {
      const comment = source.closed ? null : readLiveComment(e.data);
      if (comment) this.host.comment(comment);
    });
    source.es.addEventListener('error', () => {
      if (!source.closed) this.fail();
    });
    return source;
  }

  private onMetrics(source: Source, data: unknown): void {
    const snapshot = source.closed ? null : readLiveEvent(data);
    if (!snapshot) return;
    this.host.apply(snapshot);
    if (source.live) return;
    source.live = true;
    if (!this.sources.every((s) => s.live)) return;
    this.failures = 0;
    this.setStatus('live');
    const since = this.downSince;
    this.downSince = undefined;
    if (since !== undefined) this.host.recovered(since);
  }

  private fail(): void {
    this.closeSources();
    this.downSince ??= this.deps.now();
    this.setStatus('down');
    // Offline: no timer; onSignal reconnects as soon as the network is back.
    if (!this.deps.signals.isOnline()) return;
    const delay = liveReconnectDelayMs(this.deps.policy, this.failures++, this.deps.random);
    this.reconnectTimer = this.deps.timers.set(() => {
      this.reconnectTimer = undefined;
      this.resume();
    }, delay);
  }

  private resume(): void {
    if (this.deps.signals.isOnline()) this.open();
    else this.setStatus('down');
  }

  private pause(): void {
    this.closeSources();
    this.deps.timers.clear(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.downSince ??= this.deps.now();
    this.setStatus('paused');
  }

  private onSignal(): void {
    const { signals, timers, policy } = this.deps;
    if (this.current === 'off') return;
    if (signals.isVisible()) {
      timers.clear(this.hiddenTimer);
      this.hiddenTimer = undefined;
      if (this.current === 'paused') return this.resume();
    } else if (this.hiddenTimer === undefined && this.current !== 'paused') {
      this.hiddenTimer = timers.set(() => {
        this.hiddenTimer = undefined;
        this.pause();
      }, policy.liveHiddenCloseMs);
    }
    if (this.current === 'down' && this.reconnectTimer === undefined && signals.isOnline()) this.open();
  }

  private closeSources(): void {
    for (const s of this.sources) {
      s.closed = true;
      s.es.close();
    }
    this.sources = [];
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.host.statusChanged(status);
  }
}

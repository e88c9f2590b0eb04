import type { MetricsSnapshot } from '@/lib/contracts/core';
import { metricsBatchRequest, readMetricsBatch } from './endpoints';
import { runWithRetries, type RunResult, type RunnerDeps } from './request-runner';
import { sendOnce } from './transport';

export interface RefreshHost {
  /** True while no operation is pending anywhere. */
  isIdle(): boolean;
  /** True while the live stream delivers every change: ticks are skipped then. */
  isLive(): boolean;
  apply(snapshots: MetricsSnapshot[]): void;
}

/**
 * The periodic batched refresh: one GET /api/expose/metrics per tick for every registered expose,
 * only while the tab is visible, online, nothing is pending (a reply of ours is fresher anyway) and
 * the live stream is not up. A single attempt per tick: the next tick is the retry.
 * Also the one-off vote lookup for exposes that arrived without the caller's `myVote` (lookUpSoon).
 */
export class RefreshLoop {
  private timer: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private inFlight: Promise<boolean> | undefined;
  private lastStartedAt = -Infinity;
  private lookupTimer: number | undefined;
  /** Exposes whose `myVote` is asked for by the next lookup. */
  private readonly lookups = new Set<string>();
  /** Lookups not finished yet, by expose: settle when the request carrying that id ended. */
  private readonly pendingLookups = new Map<string, { done: Promise<void>; resolve: () => void }>();
  /** Registered exposes with their registration counts (several cards may show one expose). */
  private readonly tracked = new Map<string, number>();

  constructor(
    private readonly host: RefreshHost,
    private readonly deps: RunnerDeps,
  ) {}

  /** Includes the expose in every refresh until the returned function is called; runs while any is tracked. */
  track(exposeId: string): () => void {
    this.tracked.set(exposeId, (this.tracked.get(exposeId) ?? 0) + 1);
    this.start();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.tracked.get(exposeId) ?? 1) - 1;
      if (left > 0) this.tracked.set(exposeId, left);
      else this.tracked.delete(exposeId);
      if (this.tracked.size === 0) this.stop();
    };
  }

  /** Ids of every registered expose. */
  trackedIds(): string[] {
    return [...this.tracked.keys()];
  }

  /** When the last refresh (or the loop) started. */
  get lastRefreshAt(): number {
    return this.lastStartedAt;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private start(): void {
    if (this.running || this.deps.lifetime.aborted) return;
    this.lastStartedAt = this.deps.now();
    this.schedule();
    this.unsubscribe = this.deps.signals.subscribe(() => this.onSignal());
  }

  stop(): void {
    this.deps.timers.clear(this.timer);
    this.timer = undefined;
    this.deps.timers.clear(this.lookupTimer);
    this.lookupTimer = undefined;
    this.lookups.clear();
    for (const p of this.pendingLookups.values()) p.resolve();
    this.pendingLookups.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Refreshes now; concurrent callers share one request. Resolves false when it failed. */
  refreshNow(): Promise<boolean> {
    this.inFlight ??= this.fetch(this.trackedIds(), false).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Fetches the expose's snapshot, with the caller's `myVote`, on the next timer turn, together
   * with every other expose asked for until then: a page whose cards all mount in one commit makes
   * one request. Unlike a tick it runs whatever the live state, and retries by the policy, because
   * nothing else would ask again while the live stream is up (its events carry no `myVote`).
   */
  lookUpSoon(exposeId: string): void {
    if (this.deps.lifetime.aborted) return;
    this.lookups.add(exposeId);
    if (!this.pendingLookups.has(exposeId)) {
      let resolve = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      this.pendingLookups.set(exposeId, { done, resolve });
    }
    this.lookupTimer ??= this.deps.timers.set(() => {
      this.lookupTimer = undefined;
      const ids = [...this.lookups].filter((id) => this.tracked.has(id));
      for (const id of this.lookups) if (!this.tracked.has(id)) this.endLookup(id);
      this.lookups.clear();
      if (ids.length > 0) void this.fetch(ids, true).finally(() => ids.forEach((id) => this.endLookup(id)));
    }, 0);
  }

  /** The lookup of the expose's `myVote` still running, if any. */
  lookupOf(exposeId: string): Promise<void> | null {
    return this.pendingLookups.get(exposeId)?.done ?? null;
  }

  private endLookup(exposeId: string): void {
    this.pendingLookups.get(exposeId)?.resolve();
    this.pendingLookups.delete(exposeId);
  }

  private schedule(): void {
    this.timer = this.deps.timers.set(() => {
      this.timer = undefined;
      if (this.canRefresh()) void this.refreshNow();
      if (!this.deps.lifetime.aborted) this.schedule();
    }, this.deps.policy.refreshIntervalMs);
  }

  private canRefresh(): boolean {
    const { signals } = this.deps;
    return signals.isVisible() && signals.isOnline() && this.host.isIdle() && !this.host.isLive();
  }

  /** Coming back to the tab (or back online) with stale numbers refreshes at once. */
  private onSignal(): void {
    const stale = this.deps.now() - this.lastStartedAt >= this.deps.policy.refreshIntervalMs;
    if (stale && this.canRefresh()) void this.refreshNow();
  }

  private async fetch(ids: readonly string[], withRetries: boolean): Promise<boolean> {
    const max = this.deps.policy.maxIdsPerRefresh;
    this.lastStartedAt = this.deps.now();
    let ok = true;
    for (let i = 0; i < ids.length; i += max) {
      const chunk = ids.slice(i, i + max);
      const req = metricsBatchRequest(chunk);
      const res = withRetries ? await runWithRetries(req, readMetricsBatch, this.deps) : await this.sendOnce(chunk);
      if (res.ok) this.host.apply(res.value);
      this.deps.emit({ type: 'refresh', at: this.deps.now(), ids: chunk, ok: res.ok, ...(!res.ok && { code: res.failure.code }) });
      ok &&= res.ok;
      if (this.deps.lifetime.aborted) return false;
    }
    return ok;
  }

  private async sendOnce(ids: readonly string[]): Promise<RunResult<MetricsSnapshot[]>> {
    const res = await sendOnce(metricsBatchRequest(ids), this.deps);
    if (!res.ok) return res;
    const items = readMetricsBatch(res.body);
    return items
      ? { ok: true, value: items }
      : { ok: false, failure: { kind: 'invalid_response', code: 'invalid_response', message: 'The server reply had an unexpected shape.' } };
  }
}

import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { metricsBatchRequest, readMetricsBatch } from './endpoints';
import type { RunnerDeps } from './request-runner';
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
 */
export class RefreshLoop {
  private timer: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private inFlight: Promise<boolean> | undefined;
  private lastStartedAt = -Infinity;
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
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Refreshes now; concurrent callers share one request. Resolves false when it failed. */
  refreshNow(): Promise<boolean> {
    this.inFlight ??= this.fetchAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
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

  private async fetchAll(): Promise<boolean> {
    const ids = this.trackedIds();
    const max = this.deps.policy.maxIdsPerRefresh;
    this.lastStartedAt = this.deps.now();
    let ok = true;
    for (let i = 0; i < ids.length; i += max) {
      const chunk = ids.slice(i, i + max);
      const res = await sendOnce(metricsBatchRequest(chunk), this.deps);
      const items = res.ok ? readMetricsBatch(res.body) : null;
      if (items) this.host.apply(items);
      const code = res.ok ? (items ? undefined : 'invalid_response') : res.failure.code;
      this.deps.emit({ type: 'refresh', at: this.deps.now(), ids: chunk, ok: items !== null, ...(code && { code }) });
      ok &&= items !== null;
      if (this.deps.lifetime.aborted) return false;
    }
    return ok;
  }
}

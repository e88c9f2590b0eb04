import { useEffect, useMemo, useRef } from 'react';
import type { MetricName, Metrics, MetricsSnapshot, MyVote, ShareChannel } from '@/lib/contracts/core';
import type { OpFailure } from '@/lib/metrics-client/operations';
import { viewOfSnapshot } from '@/lib/metrics-client/view';
import type { VoteButton } from '@/lib/contracts/vote-transition';
import { useMetricsEngine } from './MetricsEngineProvider';
import { useExposeView } from './useExposeView';

export interface UseRealTimeMetricsOptions {
  exposeId: string;
  /** Pass a stable object (e.g. from server props): a new object re-seeds the engine. */
  initialMetrics: Metrics;
  /** Version of `initialMetrics`; omitted = unknown, so any server snapshot replaces it. */
  initialVersion?: number;
  initialMyVote?: MyVote;
  onMetricsChange?: (metrics: Metrics) => void;
}

export interface RealTimeMetrics {
  metrics: Metrics;
  myVote: MyVote;
  isUpdating: boolean;
  hasOptimisticUpdates: boolean;
  pendingCount: number;
  /** The numbers moved by our own unconfirmed actions. */
  pendingMetrics: readonly MetricName[];
  error: OpFailure | null;
  /** Each resolves true once the server confirmed, false once it finally failed. */
  updateVote(voteType: VoteButton): Promise<boolean>;
  updateComment(body: string, authorName?: string): Promise<boolean>;
  updateView(): Promise<boolean>;
  updateShare(channel?: ShareChannel): Promise<boolean>;
  refreshMetrics(): Promise<boolean>;
  retry(): Promise<boolean>;
  dismissError(): void;
}

const sameMetrics = (a: Metrics, b: Metrics) =>
  (Object.keys(a) as (keyof Metrics)[]).every((k) => a[k] === b[k]);

export function useRealTimeMetrics(options: UseRealTimeMetricsOptions): RealTimeMetrics {
  const { exposeId, initialMetrics, initialVersion = -1, initialMyVote, onMetricsChange } = options;
  const engine = useMetricsEngine();
  const seed = useMemo<MetricsSnapshot>(
    () => ({ exposeId, version: initialVersion, metrics: initialMetrics, ...(initialMyVote !== undefined && { myVote: initialMyVote }) }),
    [exposeId, initialVersion, initialMetrics, initialMyVote],
  );
  // Declared before the subscription so the engine knows the expose when the store is first read.
  useEffect(() => engine.register(seed), [engine, seed]);
  const view = useExposeView(exposeId, useMemo(() => viewOfSnapshot(seed), [seed]));

  const onChange = useRef(onMetricsChange);
  const lastMetrics = useRef(view.metrics);
  useEffect(() => {
    onChange.current = onMetricsChange;
  });
  useEffect(() => {
    if (sameMetrics(lastMetrics.current, view.metrics)) return;
    lastMetrics.current = view.metrics;
    onChange.current?.(view.metrics);
  }, [view.metrics]);

  const actions = useMemo(
    () => ({
      updateVote: (voteType: VoteButton) => engine.vote(exposeId, voteType),
      updateComment: (body: string, authorName?: string) => engine.comment(exposeId, body, authorName).then((r) => r.ok),
      updateView: () => engine.view(exposeId),
      updateShare: (channel?: ShareChannel) => engine.share(exposeId, channel),
      refreshMetrics: () => engine.refreshMetrics(),
      retry: () => engine.retryFailed(exposeId),
      dismissError: () => engine.dismissError(exposeId),
    }),
    [engine, exposeId],
  );
  const { metrics, myVote, isUpdating, hasOptimisticUpdates, pendingCount, pendingMetrics, error } = view;
  return { metrics, myVote, isUpdating, hasOptimisticUpdates, pendingCount, pendingMetrics, error, ...actions };
}

'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Expose } from '@/lib/contracts/core';
import { useNow } from '@/lib/hooks/useNow';
import { useRealTimeMetrics } from '@/lib/hooks/useRealTimeMetrics';
import { useViewTracking, type ViewTrackingMode } from '@/lib/hooks/useViewTracking';
import { ExposeCard } from './ExposeCard';
import { shareLink } from './share-link';

export interface RealTimeExposeCardProps {
  expose: Expose;
  /** 'feed': a view counts after 1 s at >= 50 % visible; 'page': a view counts on mount. */
  mode?: ViewTrackingMode;
  /** Render time from the server, so "3h ago" matches during hydration. */
  now?: number;
}

const NOTICE_MS = 3000;

export function RealTimeExposeCard({ expose, mode = 'feed', now: initialNow }: RealTimeExposeCardProps) {
  const rt = useRealTimeMetrics({
    exposeId: expose.exposeId,
    initialMetrics: expose.metrics,
    initialVersion: expose.version,
    initialMyVote: expose.myVote,
  });
  const now = useNow(initialNow);
  const ref = useRef<HTMLDivElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { updateVote, updateShare, updateView } = rt;

  useViewTracking(ref, mode, useCallback(() => void updateView(), [updateView]));

  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(id);
  }, [notice]);

  const onShare = useCallback(async () => {
    const url = new URL(`/expose/${encodeURIComponent(expose.exposeId)}`, window.location.origin).toString();
    const outcome = await shareLink({ title: expose.title, url }, navigator);
    if ('channel' in outcome) {
      if (outcome.copied) setNotice('Link copied');
      void updateShare(outcome.channel);
    } else if ('failed' in outcome) {
      setNotice('Could not copy the link');
    }
  }, [expose.exposeId, expose.title, updateShare]);

  // Comment failures are reported next to the comment form (CommentsSection), not on the card.
  const error = rt.error && rt.error.op.kind !== 'comment' ? { kind: rt.error.op.kind, code: rt.error.code } : null;

  return (
    <div ref={ref} className="ec-card-frame">
      <ExposeCard
        expose={expose}
        metrics={rt.metrics}
        myVote={rt.myVote}
        now={now}
        mode={mode}
        pendingCount={rt.pendingCount}
        pendingMetrics={rt.pendingMetrics}
        error={error}
        notice={notice}
        onUpvote={() => void updateVote('upvote')}
        onDownvote={() => void updateVote('downvote')}
        onShare={() => void onShare()}
        onRetry={() => void rt.retry()}
        onDismissError={rt.dismissError}
      />
    </div>
  );
}

'use client';

import { useState, type MouseEvent } from 'react';
import type { Expose } from '@/lib/contracts/core';
import { feedHref, type FeedOrder } from '@/lib/contracts/feed-order';
import { useMetricsEngine } from '@/lib/hooks/MetricsEngineProvider';
import { excerpt } from './expose-time';
import { RealTimeExposeCard } from './RealTimeExposeCard';

export interface FeedListProps {
  order: FeedOrder;
  /** The server-rendered page (bodies already cut to their excerpt). */
  exposes: Expose[];
  nextCursor: string | null;
  now: number;
  pageSize: number;
}

/**
 * The feed's cards plus "Load more". The button is a real link to the next page's URL (it works
 * without JavaScript); with it, the next page is appended here instead. Every card registers with
 * the page's engine, so the live stream follows every expose on screen, however many pages.
 */
export function FeedList({ order, exposes, nextCursor, now, pageSize }: FeedListProps) {
  const engine = useMetricsEngine();
  const [more, setMore] = useState<Expose[]>([]);
  const [cursor, setCursor] = useState(nextCursor);
  const [status, setStatus] = useState<'idle' | 'loading' | 'error'>('idle');

  const loadMore = async (e: MouseEvent<HTMLAnchorElement>) => {
    if (!cursor || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    if (status === 'loading') return;
    setStatus('loading');
    const res = await engine.listExposes(order, { limit: pageSize, cursor });
    if (!res.ok) return setStatus('error');
    // Ranked orders move while someone pages: an expose already shown is not shown twice.
    setMore((prev) => {
      const shown = new Set([...exposes, ...prev].map((x) => x.exposeId));
      return [...prev, ...res.value.exposes.filter((x) => !shown.has(x.exposeId)).map((x) => ({ ...x, body: excerpt(x.body) }))];
    });
    setCursor(res.value.nextCursor);
    setStatus('idle');
  };

  return (
    <>
      <ol className="ec-feed">
        {[...exposes, ...more].map((expose) => (
          <li key={expose.exposeId}>
            <RealTimeExposeCard expose={expose} mode="feed" now={now} />
          </li>
        ))}
      </ol>
      {cursor && (
        <p className="ec-feed__more">
          <a className="ec-button" href={feedHref(order, cursor)} onClick={(e) => void loadMore(e)} aria-busy={status === 'loading'}>
            {status === 'loading' ? 'Loading…' : status === 'error' ? 'Could not load; try again' : 'Load more'}
          </a>
        </p>
      )}
    </>
  );
}

'use client';

import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { LIMITS, type Comment } from '@/lib/contracts/core';
import { newestFirst } from '@/lib/metrics-client/reducer';
import { useOnline } from '@/lib/hooks/useOnline';
import { useSyncStatus } from '@/lib/hooks/useSyncStatus';
import { useExposeView } from '@/lib/hooks/useExposeView';
import { useMetricsEngine } from '@/lib/hooks/MetricsEngineProvider';
import { useNow } from '@/lib/hooks/useNow';
import { formatAge } from './expose-time';
import { failureText } from './failure-text';

export interface CommentsSectionProps {
  exposeId: string;
  /** No new comments (e.g. the expose has expired); the list still shows. */
  disabled?: boolean;
  /** First page from the server; when absent the section loads it itself. */
  initialComments?: Comment[];
  initialNextCursor?: string | null;
  pageSize?: number;
}

type Item = { key: string; body: string; author: string; createdAt: string | null; state: 'sent' | 'sending' | 'failed' };

const BODY_MAX = LIMITS.commentBodyMax;
const NAME_MAX = LIMITS.authorNameMax;

/**
 * Not yet sent (failed, then sending) first, then every confirmed comment once, newest first in the
 * server's page order: those made here or heard live, and the loaded pages (the cursor of "Load
 * more" only ever follows the loaded pages, so new comments arriving on top cannot shift it).
 */
function mergeItems(unsent: Item[], created: readonly Comment[], loaded: readonly Comment[]): Item[] {
  const seen = new Set<string>();
  const confirmed = [...created, ...loaded].filter((c) => !seen.has(c.id) && seen.add(c.id)).sort(newestFirst);
  const asItem = (c: Comment): Item => ({ key: c.id, body: c.body, author: c.authorName, createdAt: c.createdAt, state: 'sent' });
  return [...unsent, ...confirmed.map(asItem)];
}

export function CommentsSection({ exposeId, disabled = false, initialComments, initialNextCursor = null, pageSize = 20 }: CommentsSectionProps) {
  const engine = useMetricsEngine();
  const view = useExposeView(exposeId);
  const online = useOnline();
  const sync = useSyncStatus();
  const offline = !online || sync.offline;
  const now = useNow();
  const ids = useId();
  const [loaded, setLoaded] = useState<readonly Comment[]>(initialComments ?? []);
  const [cursor, setCursor] = useState<string | null>(initialNextCursor);
  const [status, setStatus] = useState<'idle' | 'loading' | 'error'>(initialComments ? 'idle' : 'loading');
  const [body, setBody] = useState('');
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  // The box keeps its text until the server has the comment (or the person discards it).
  const [sending, setSending] = useState(false);

  // Sets state only after the await, so the first load can run from an effect.
  const fetchPage = useCallback(
    async (from: string | null) => {
      const res = await engine.listComments(exposeId, { limit: pageSize, cursor: from });
      if (!res.ok) return setStatus(res.failure.kind === 'aborted' ? 'idle' : 'error');
      // Dedupe: StrictMode runs the first load twice, and a page may overlap one created here.
      setLoaded((prev) => [...prev, ...res.value.comments.filter((c) => !prev.some((p) => p.id === c.id))]);
      setCursor(res.value.nextCursor);
      setStatus('idle');
    },
    [engine, exposeId, pageSize],
  );

  const hasInitial = initialComments !== undefined;
  useEffect(() => {
    // A fetch on mount: its state updates happen after the network await, not synchronously.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (!hasInitial) void fetchPage(null);
  }, [hasInitial, fetchPage]);
  const loadPage = (from: string | null) => {
    setStatus('loading');
    void fetchPage(from);
  };

  // After the live stream was down or paused, comments posted meanwhile were missed: merge the
  // newest page in again (by id, so nothing shows twice and the "Load more" cursor stays).
  useEffect(() => {
    let wasDown = false;
    return engine.onLiveStatusChange((status) => {
      if (status === 'down' || status === 'paused') wasDown = true;
      if (status !== 'live' || !wasDown) return;
      wasDown = false;
      void engine.listComments(exposeId, { limit: pageSize }).then((res) => {
        if (res.ok) setLoaded((prev) => [...res.value.comments.filter((c) => !prev.some((p) => p.id === c.id)), ...prev]);
      });
    });
  }, [engine, exposeId, pageSize]);

  const failed = view?.error?.op.kind === 'comment' ? view.error : null;
  const failedOp = failed?.op.kind === 'comment' ? failed.op : null;

  /** Clears the box once `text` reached the server, unless the person has typed something else since. */
  const track = (sent: Promise<boolean>, text: string) => {
    setSending(true);
    void sent.then((ok) => {
      setSending(false);
      if (ok) setBody((current) => (current === text ? '' : current));
    });
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (sending) return;
    if (body.trim() === '') return setFieldError('Write something first.');
    setFieldError(null);
    // The same text again after a failure is a retry of that comment (same Idempotency-Key); an
    // edited text replaces the failed one.
    if (failedOp && failedOp.payload.body === body && (failedOp.payload.authorName ?? '') === name.trim()) {
      return track(engine.retryFailed(exposeId), body);
    }
    if (failedOp) engine.dismissError(exposeId);
    track(engine.comment(exposeId, body, name).then((r) => r.ok), body);
  };

  const discard = () => {
    engine.dismissError(exposeId);
    if (failedOp) setBody((current) => (current === failedOp.payload.body ? '' : current));
  };

  const unsent: Item[] = (view?.pendingComments ?? []).map((p) => ({
    key: p.opId, body: p.body, author: p.authorName ?? 'You', createdAt: null, state: 'sending',
  }));
  if (failedOp) unsent.unshift({ key: failedOp.id, body: failedOp.payload.body, author: failedOp.payload.authorName ?? 'You', createdAt: null, state: 'failed' });
  const items = mergeItems(unsent, view?.createdComments ?? [], loaded);
  const count = view && view.version >= 0 ? view.metrics.comments : null;

  return (
    <section id="comments" className="ec-comments" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`} className="ec-comments__title">
        Comments{count !== null && <span className="ec-comments__count"> ({count})</span>}
      </h2>
      {!disabled && (
        <form className="ec-form ec-comments__form" onSubmit={onSubmit} noValidate>
          <div className="ec-field">
            <label htmlFor={`${ids}-body`}>Comment</label>
            <textarea id={`${ids}-body`} name="body" rows={3} maxLength={BODY_MAX} value={body} aria-invalid={fieldError !== null}
              aria-describedby={fieldError ? `${ids}-body-error` : undefined} onChange={(e) => setBody(e.target.value)} />
            {fieldError && <p id={`${ids}-body-error`} className="ec-field__error">{fieldError}</p>}
          </div>
          <div className="ec-field">
            <label htmlFor={`${ids}-name`}>Name (optional)</label>
            <input id={`${ids}-name`} name="authorName" maxLength={NAME_MAX} autoComplete="nickname" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="ec-button ec-button--primary" disabled={sending}>{sending ? 'Posting…' : 'Post comment'}</button>
        </form>
      )}
      {failed && (
        <div className="ec-alert ec-comments__error" role="alert">
          <span>{failureText({ kind: 'comment', code: failed.code })}</span>
          <button type="button" className="ec-button" disabled={sending} onClick={() => failedOp && track(engine.retryFailed(exposeId), failedOp.payload.body)}>Retry</button>
          <button type="button" className="ec-button" onClick={discard}>Discard</button>
        </div>
      )}
      {items.length === 0 && status === 'idle' && <p className="ec-comments__empty ec-muted">No comments yet.</p>}
      <ol className="ec-comments__list">
        {items.map((c) => (
          <li key={c.key} className={c.state === 'sent' ? 'ec-comment' : `ec-comment ec-comment--${c.state}`}>
            <p className="ec-comment__meta ec-muted">
              <span className="ec-comment__author">{c.author}</span>
              {' · '}
              {c.createdAt ? (
                <time dateTime={c.createdAt} suppressHydrationWarning>{formatAge(c.createdAt, now)}</time>
              ) : (
                <span className="ec-comment__sync">{c.state === 'failed' ? 'not sent' : offline ? 'will post when online' : 'sending…'}</span>
              )}
            </p>
            <p className="ec-comment__body">{c.body}</p>
          </li>
        ))}
      </ol>
      {status === 'loading' && <p className="ec-comments__loading ec-muted" role="status">Loading comments…</p>}
      {status === 'error' && <p className="ec-comments__load-error" role="alert">Comments could not be loaded.</p>}
      {status !== 'loading' && (cursor !== null || status === 'error') && (
        <button type="button" className="ec-button ec-comments__more" onClick={() => loadPage(status === 'error' && loaded.length === 0 ? null : cursor)}>
          {status === 'error' ? 'Try again' : 'Load more'}
        </button>
      )}
    </section>
  );
}

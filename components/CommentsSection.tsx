'use client';

import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { Comment } from '@/lib/contracts/comments';
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

type Item = { key: string; body: string; author: string; createdAt: string | null; pending: boolean };

const BODY_MAX = 2000;
const NAME_MAX = 40;

/** Pending first, then comments made here, then loaded pages; each comment once, newest first. */
function mergeItems(pending: Item[], created: readonly Comment[], loaded: readonly Comment[]): Item[] {
  const seen = new Set<string>();
  const confirmed = [...created, ...loaded].filter((c) => !seen.has(c.id) && seen.add(c.id));
  const asItem = (c: Comment): Item => ({ key: c.id, body: c.body, author: c.authorName, createdAt: c.createdAt, pending: false });
  return [...pending, ...confirmed.map(asItem)];
}

export function CommentsSection({ exposeId, disabled = false, initialComments, initialNextCursor = null, pageSize = 20 }: CommentsSectionProps) {
  const engine = useMetricsEngine();
  const view = useExposeView(exposeId);
  const now = useNow();
  const ids = useId();
  const [loaded, setLoaded] = useState<readonly Comment[]>(initialComments ?? []);
  const [cursor, setCursor] = useState<string | null>(initialNextCursor);
  const [status, setStatus] = useState<'idle' | 'loading' | 'error'>(initialComments ? 'idle' : 'loading');
  const [body, setBody] = useState('');
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);

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

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim() === '') return setFieldError('Write something first.');
    setFieldError(null);
    void engine.comment(exposeId, body, name);
    setBody('');
  };

  const pending = (view?.pendingComments ?? []).map(
    (p): Item => ({ key: p.opId, body: p.body, author: p.authorName ?? 'You', createdAt: null, pending: true }),
  );
  const items = mergeItems(pending, view?.createdComments ?? [], loaded);
  const failed = view?.error?.op.kind === 'comment' ? view.error : null;
  const count = view && view.version >= 0 ? view.metrics.comments : null;

  return (
    <section className="ec-comments" aria-labelledby={`${ids}-heading`}>
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
          <button type="submit" className="ec-button ec-button--primary">Post comment</button>
        </form>
      )}
      {failed && (
        <div className="ec-alert ec-comments__error" role="alert">
          <span>{failureText({ kind: 'comment', code: failed.code })}</span>
          <button type="button" className="ec-button" onClick={() => void engine.retryFailed(exposeId)}>Retry</button>
          <button type="button" className="ec-button" aria-label="Dismiss" onClick={() => engine.dismissError(exposeId)}>×</button>
        </div>
      )}
      {items.length === 0 && status === 'idle' && <p className="ec-comments__empty ec-muted">No comments yet.</p>}
      <ol className="ec-comments__list">
        {items.map((c) => (
          <li key={c.key} className={c.pending ? 'ec-comment ec-comment--pending' : 'ec-comment'}>
            <p className="ec-comment__meta ec-muted">
              <span className="ec-comment__author">{c.author}</span>
              {' · '}
              {c.createdAt ? (
                <time dateTime={c.createdAt} suppressHydrationWarning>{formatAge(c.createdAt, now)}</time>
              ) : (
                <span className="ec-comment__sync">sending…</span>
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

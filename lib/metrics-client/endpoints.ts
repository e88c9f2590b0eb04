import type { CommentsPage, MetricsSnapshot, Comment, Expose, ExposesPage } from '@/lib/contracts/core';
import { feedHref, type FeedOrder } from '@/lib/contracts/feed-order';
import type { PendingOp } from './operations';
import { readComment, readExpose, readSnapshot } from './snapshot';
import { toVoteType } from '@/lib/contracts/vote-transition';

/** One HTTP call the engine makes (API.md). */
export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path and query, relative to the engine's base URL. */
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  /** X-Challenge-Solution: set by the runner after solving a 428's challenge. */
  challengeSolution?: string;
}

export interface OpAck {
  snapshot: MetricsSnapshot;
  comment?: Comment;
}

/** Every op carries its id as Idempotency-Key so that any retry of it is applied at most once. */
export function requestForOp(op: PendingOp): HttpRequest {
  const key = op.id;
  switch (op.kind) {
    case 'vote':
      return { method: 'POST', path: '/api/expose/vote', idempotencyKey: key, body: { exposeId: op.exposeId, voteType: toVoteType(op.payload.target) } };
    case 'view':
      return { method: 'POST', path: '/api/expose/views', idempotencyKey: key, body: { exposeId: op.exposeId } };
    case 'share':
      return { method: 'POST', path: '/api/expose/share', idempotencyKey: key, body: { exposeId: op.exposeId, channel: op.payload.channel } };
    case 'comment': {
      const { body, authorName } = op.payload;
      const json = authorName === undefined ? { exposeId: op.exposeId, body } : { exposeId: op.exposeId, body, authorName };
      return { method: 'POST', path: '/api/expose/comments', idempotencyKey: key, body: json };
    }
  }
}

/** Reads the 2xx reply of an op; null when it is not what API.md promises. */
export function readOpAck(op: PendingOp, body: unknown): OpAck | null {
  const snapshot = readSnapshot(body);
  if (!snapshot || snapshot.exposeId !== op.exposeId) return null;
  if (op.kind !== 'comment') return { snapshot };
  const comment = readComment((body as { comment?: unknown }).comment);
  return comment ? { snapshot, comment } : null;
}

export function metricsBatchRequest(ids: readonly string[]): HttpRequest {
  return { method: 'GET', path: `/api/expose/metrics?ids=${ids.map(encodeURIComponent).join(',')}` };
}

export function readMetricsBatch(body: unknown): MetricsSnapshot[] | null {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return null;
  const snapshots = items.map(readSnapshot);
  return snapshots.every((s): s is MetricsSnapshot => s !== null) ? snapshots : null;
}

export function listCommentsRequest(exposeId: string, opts: { limit?: number; cursor?: string | null }): HttpRequest {
  const q = new URLSearchParams({ exposeId });
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  if (opts.cursor) q.set('cursor', opts.cursor);
  return { method: 'GET', path: `/api/expose/comments?${q.toString()}` };
}

export function readCommentsPage(body: unknown): CommentsPage | null {
  const b = body as { comments?: unknown; nextCursor?: unknown } | null;
  if (!b || !Array.isArray(b.comments)) return null;
  const comments = b.comments.map(readComment);
  if (!comments.every((c): c is Comment => c !== null)) return null;
  const nextCursor = typeof b.nextCursor === 'string' ? b.nextCursor : null;
  return { comments, nextCursor };
}

/** The next page of the feed in `order` (the query of its page URL, on the API path). */
export function listExposesRequest(order: FeedOrder, opts: { limit: number; cursor: string }): HttpRequest {
  const q = new URLSearchParams(feedHref(order, opts.cursor).slice(2));
  q.set('limit', String(opts.limit));
  return { method: 'GET', path: `/api/exposes?${q.toString()}` };
}

export function readExposesPage(body: unknown): ExposesPage | null {
  const b = body as { exposes?: unknown; nextCursor?: unknown } | null;
  if (!b || !Array.isArray(b.exposes)) return null;
  const exposes = b.exposes.map(readExpose);
  if (!exposes.every((e): e is Expose => e !== null)) return null;
  return { exposes, nextCursor: typeof b.nextCursor === 'string' ? b.nextCursor : null };
}

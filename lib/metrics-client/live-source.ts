import type { Comment, MetricsSnapshot } from '@/lib/contracts/core';
import { readSnapshot } from './snapshot';

/** What the engine uses of the browser's EventSource; tests pass a fake class. */
export interface LiveEventSource {
  /**
   * 'metrics' carries one metrics object as JSON in `data`, 'comment' one new comment object;
   * 'error' means the connection broke.
   */
  addEventListener(type: 'metrics' | 'comment' | 'error', listener: (event: { data?: unknown }) => void): void;
  close(): void;
}

/** The EventSource constructor seam: `window.EventSource` in the browser. */
export type LiveEventSourceConstructor = new (url: string) => LiveEventSource;

export const STREAM_PATH = '/api/expose/stream';

/**
 * The stream URLs for a set of exposes: ids sorted (the same set always gives the same URLs, so an
 * unchanged set never reconnects) and at most `maxIds` per URL.
 */
export function streamUrls(ids: Iterable<string>, maxIds: number, baseUrl = ''): string[] {
  const sorted = [...new Set(ids)].sort();
  const urls: string[] = [];
  for (let i = 0; i < sorted.length; i += maxIds) {
    urls.push(`${baseUrl}${STREAM_PATH}?ids=${sorted.slice(i, i + maxIds).map(encodeURIComponent).join(',')}`);
  }
  return urls;
}

/**
 * Reads the data of one `event: metrics`; null when it is not a metrics object. A `myVote` is
 * dropped even if present: the stream is the same for every visitor, so it cannot know the caller's.
 */
function parseData(data: unknown): unknown {
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

export function readLiveEvent(data: unknown): MetricsSnapshot | null {
  const snapshot = readSnapshot(parseData(data));
  if (!snapshot) return null;
  const { exposeId, version, metrics } = snapshot;
  return { exposeId, version, metrics };
}

const COMMENT_FIELDS = ['id', 'exposeId', 'body', 'authorName', 'createdAt'] as const;

/** Reads the data of one `event: comment`; null unless it is a comment object with a valid date. */
export function readLiveComment(data: unknown): Comment | null {
  const parsed = parseData(data);
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  if (!COMMENT_FIELDS.every((k) => typeof record[k] === 'string')) return null;
  const c = record as Record<(typeof COMMENT_FIELDS)[number], string>;
  if (Number.isNaN(Date.parse(c.createdAt))) return null;
  return { id: c.id, exposeId: c.exposeId, body: c.body, authorName: c.authorName, createdAt: c.createdAt };
}

import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { readSnapshot } from './snapshot';

/** What the engine uses of the browser's EventSource; tests pass a fake class. */
export interface LiveEventSource {
  /** 'metrics' carries one metrics object as JSON in `data`; 'error' means the connection broke. */
  addEventListener(type: 'metrics' | 'error', listener: (event: { data?: unknown }) => void): void;
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
export function readLiveEvent(data: unknown): MetricsSnapshot | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  const snapshot = readSnapshot(parsed);
  if (!snapshot) return null;
  const { exposeId, version, metrics } = snapshot;
  return { exposeId, version, metrics };
}

import type { Metrics, MetricsSnapshot, MyVote, Comment, Expose } from '@/lib/contracts/core';

/**
 * What the server last confirmed for one expose. Metrics and the caller's vote carry separate
 * versions because live events (SSE) carry metrics without `myVote`.
 */
export interface ConfirmedSnapshot {
  /** -1 means "nothing confirmed yet": any server snapshot wins over it. */
  version: number;
  metrics: Metrics;
  myVote: MyVote;
  /** Version of the snapshot `myVote` came from; -1 when unknown. */
  myVoteVersion: number;
}

export function toConfirmed(s: MetricsSnapshot): ConfirmedSnapshot {
  const knowsVote = s.myVote !== undefined;
  return {
    version: s.version,
    metrics: s.metrics,
    myVote: s.myVote ?? null,
    myVoteVersion: knowsVote ? s.version : -1,
  };
}

/**
 * The version rule: the highest version wins, an older snapshot never overwrites a newer one, and
 * an equal version changes nothing. Returns `current` itself when nothing changes.
 */
export function mergeSnapshot(current: ConfirmedSnapshot, incoming: ConfirmedSnapshot): ConfirmedSnapshot {
  const newerMetrics = incoming.version > current.version;
  const newerVote = incoming.myVoteVersion > current.myVoteVersion;
  if (!newerMetrics && !newerVote) return current;
  return {
    version: newerMetrics ? incoming.version : current.version,
    metrics: newerMetrics ? incoming.metrics : current.metrics,
    myVote: newerVote ? incoming.myVote : current.myVote,
    myVoteVersion: newerVote ? incoming.myVoteVersion : current.myVoteVersion,
  };
}

// Light structural checks instead of the zod schemas, so zod stays out of the browser bundle.
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const METRIC_KEYS = ['views', 'comments', 'upvotes', 'downvotes', 'netVotes', 'shares'] as const;

/** Reads a metrics object (API.md) from an untrusted body; null when it is not one. */
export function readSnapshot(v: unknown): MetricsSnapshot | null {
  if (!isRecord(v) || typeof v.exposeId !== 'string' || !isInt(v.version) || !isRecord(v.metrics)) return null;
  const m = v.metrics;
  if (!METRIC_KEYS.every((k) => isInt(m[k]))) return null;
  const myVote = v.myVote;
  if (myVote !== undefined && myVote !== null && myVote !== 'upvote' && myVote !== 'downvote') return null;
  const metrics: Metrics = {
    views: m.views as number,
    comments: m.comments as number,
    upvotes: m.upvotes as number,
    downvotes: m.downvotes as number,
    netVotes: m.netVotes as number,
    shares: m.shares as number,
  };
  return myVote === undefined
    ? { exposeId: v.exposeId, version: v.version, metrics }
    : { exposeId: v.exposeId, version: v.version, metrics, myVote };
}

export function readComment(v: unknown): Comment | null {
  if (!isRecord(v)) return null;
  const { id, exposeId, body, authorName, createdAt } = v;
  if ([id, exposeId, body, authorName, createdAt].some((x) => typeof x !== 'string')) return null;
  return { id, exposeId, body, authorName, createdAt } as Comment;
}

/** Reads an expose object (API.md) from an untrusted body; null when it is not one. */
export function readExpose(v: unknown): Expose | null {
  const snapshot = readSnapshot(v);
  if (!snapshot || !isRecord(v)) return null;
  const { title, body, createdAt, expiresAt, expired } = v;
  if (typeof title !== 'string' || typeof body !== 'string' || typeof createdAt !== 'string') return null;
  if ((expiresAt !== null && typeof expiresAt !== 'string') || typeof expired !== 'boolean') return null;
  return { ...snapshot, title, body, createdAt, expiresAt, expired };
}

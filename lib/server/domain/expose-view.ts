import type { Expose } from '@/lib/contracts/exposes';
import type { Metrics, MetricsSnapshot, MyVote } from '@/lib/contracts/metrics';
import type { CounterRow, ExposeRow } from '@/lib/server/store/port';

export const myVoteFromValue = (value: number | undefined): MyVote =>
  value === 1 ? 'upvote' : value === -1 ? 'downvote' : null;

/** netVotes is derived here and only here. */
export function toMetrics(row: CounterRow): Metrics {
  return {
    views: row.views,
    comments: row.comments,
    upvotes: row.upvotes,
    downvotes: row.downvotes,
    netVotes: row.upvotes - row.downvotes,
    shares: row.shares,
  };
}

export function toSnapshot(exposeId: string, row: CounterRow, myVote?: MyVote): MetricsSnapshot {
  const snapshot: MetricsSnapshot = { exposeId, version: row.version, metrics: toMetrics(row) };
  if (myVote !== undefined) snapshot.myVote = myVote;
  return snapshot;
}

export const isExpired = (row: Pick<ExposeRow, 'expiresAt'>, now: Date): boolean =>
  row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();

export function toExpose(row: ExposeRow, now: Date, myVote?: MyVote): Expose {
  const expose: Expose = {
    exposeId: row.id,
    title: row.title,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    expired: isExpired(row, now),
    version: row.version,
    metrics: toMetrics(row),
  };
  if (myVote !== undefined) expose.myVote = myVote;
  return expose;
}

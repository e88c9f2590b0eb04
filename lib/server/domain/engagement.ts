import type { WriteQueries } from '@/lib/server/store/port';

/**
 * Engagement history for a vote batch (docs/ARCHITECTURE.md "Analytics"): the counter deltas the
 * batch wrote, added to the expose's minute row in the same transaction, after the counter update
 * (so the expose's row lock comes first, as everywhere). One upsert per expose per batch; a batch
 * that moved no counter writes nothing. Views, shares and comments carry the same upsert inside
 * their counter statement (store/analytics-queries.ts `engagementUpsert`).
 */
export async function addVoteHistory(
  tx: Pick<WriteQueries, 'addEngagement'>,
  exposeId: string,
  delta: { upvotes: number; downvotes: number },
  now: Date,
): Promise<void> {
  if (delta.upvotes === 0 && delta.downvotes === 0) return;
  await tx.addEngagement([{ exposeId, upvotes: delta.upvotes, downvotes: delta.downvotes }], { now });
}

import type { WriteQueries } from '@/lib/server/store/port';

/**
 * Engagement history for a vote batch (docs/ARCHITECTURE.md "Analytics"): the counter deltas the
 * batch wrote, added to each expose's minute row in the same transaction, after the counter update
 * (so the exposes' row locks come first, as everywhere). One upsert for all the exposes of a batch
 * (a batch may span many); exposes whose counters did not move are left out, and a batch that moved
 * no counter writes nothing. Views, shares and comments carry the same upsert inside their counter
 * statement (store/analytics-queries.ts `engagementUpsert`).
 */
export async function addVoteHistory(
  tx: Pick<WriteQueries, 'addEngagement'>,
  deltas: readonly { exposeId: string; upvotes: number; downvotes: number }[],
  now: Date,
): Promise<void> {
  const moved = deltas.filter((d) => d.upvotes !== 0 || d.downvotes !== 0);
  if (moved.length === 0) return;
  await tx.addEngagement(moved, { now });
}

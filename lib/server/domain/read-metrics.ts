import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import type { MetricsStore } from '@/lib/server/store/port';
import { myVoteFromValue, toSnapshot } from './expose-view';

/** Batch read in the order asked, duplicates once, unknown ids left out (API.md). */
export async function readMetrics(
  deps: { store: Pick<MetricsStore, 'findMetrics'> },
  ids: readonly string[],
  sessionId?: string,
): Promise<{ items: MetricsSnapshot[] }> {
  const unique = [...new Set(ids)];
  const rows = new Map((await deps.store.findMetrics(unique, sessionId)).map((r) => [r.id, r]));
  const items: MetricsSnapshot[] = [];
  for (const id of unique) {
    const row = rows.get(id);
    if (row) items.push(toSnapshot(id, row, myVoteFromValue(row.vote ?? undefined)));
  }
  return { items };
}

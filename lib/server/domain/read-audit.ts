import type { AuditDay } from '@/lib/contracts/audit';
import type { ExposeStore, MetricsStore } from '@/lib/server/store/port';
import type { AuditKind, AuditRecorder } from './audit';
import { notFound } from './errors';

/**
 * Counted and dropped writes of one expose per UTC day and kind. Pending outcomes are flushed
 * first, so the answer includes every request answered before this one.
 */
export async function readAudit(
  deps: { store: Pick<MetricsStore, 'readAudit'> & Pick<ExposeStore, 'findExpose'>; audit: AuditRecorder },
  exposeId: string,
): Promise<{ exposeId: string; days: AuditDay[] }> {
  await deps.audit.flush();
  if (!(await deps.store.findExpose(exposeId))) throw notFound();
  const days = new Map<string, AuditDay>();
  for (const row of await deps.store.readAudit(exposeId)) {
    const key = `${row.day}\n${row.kind}`;
    let entry = days.get(key);
    if (!entry) {
      entry = { day: row.day, kind: row.kind as AuditKind, requests: 0, counted: 0, dropped: {} };
      days.set(key, entry);
    }
    entry.requests += row.n;
    if (row.outcome === 'counted') entry.counted += row.n;
    else entry.dropped[row.outcome] = (entry.dropped[row.outcome] ?? 0) + row.n;
  }
  return { exposeId, days: [...days.values()] };
}

import type { ExposeStore } from '@/lib/server/store/port';
import { DomainError } from './errors';

export interface ReadinessDeps {
  store: Pick<ExposeStore, 'ping'>;
  drain: { readonly draining: boolean };
}

/** A request that reached an instance that is shutting down: retry, another instance answers. */
export const shuttingDown = () =>
  new DomainError('unavailable', 'This server is shutting down; retry shortly (another instance will answer).', 1);

/**
 * Ready for traffic: not draining, and the database answers. Migrations are done by then: the
 * store exists only after they ran (open-postgres.ts, open-pglite.ts).
 */
export async function checkReadiness(deps: ReadinessDeps): Promise<{ ok: true }> {
  if (deps.drain.draining) throw shuttingDown();
  await deps.store.ping();
  return { ok: true };
}

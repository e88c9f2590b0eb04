import { createHash } from 'node:crypto';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { IdempotencyRef, MetricsStore, WriteQueries } from '@/lib/server/store/port';
import { idempotencyKeyInUse, idempotencyKeyReused } from './errors';

/**
 * Idempotency-Key (API.md): a key belongs to (session, endpoint, expose). The first request claims
 * it in a statement of its own (so duplicates see the claim at once), then runs its effect and
 * stores its reply in ONE transaction: either both are committed or neither. A retry gets the
 * stored reply; a different body is a 422; a duplicate while the first still runs is a 409.
 */

/** Keys are remembered at least this long (maintenance deletes them afterwards). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A claim this old belongs to a request that died (statement timeouts are a few seconds). */
export const STALE_CLAIM_MS = 15_000;

export interface Reply {
  status: number;
  body: unknown;
  /** True when this is the stored reply of an earlier request with the same key. */
  replayed?: boolean;
}

/** JSON with object keys sorted, so equal bodies give equal fingerprints whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const fingerprintOf = (request: unknown): string =>
  createHash('sha256').update(canonicalJson(request)).digest('base64url');

export interface IdempotencyDeps {
  store: Pick<MetricsStore, 'transaction' | 'claimIdempotencyKey' | 'releaseIdempotencyKey'> & WriteQueries;
  now: () => Date;
  bus?: MetricsBus;
}

/** After the commit, a fresh (not replayed) reply's metrics go out to live subscribers. */
export function publishCommitted(deps: Pick<IdempotencyDeps, 'bus'>, reply: Reply): Reply {
  if (!reply.replayed) publishSnapshot(deps.bus, reply.body as MetricsSnapshot);
  return reply;
}

export async function runIdempotent(
  deps: IdempotencyDeps,
  req: { sessionId: string; scope: string; key: string | undefined; request: unknown },
  effect: (w: WriteQueries) => Promise<Reply>,
): Promise<Reply> {
  // Without a key the effect is a single statement, committed on its own.
  if (req.key === undefined) return effect(deps.store);

  const ref: IdempotencyRef = { sessionId: req.sessionId, scope: req.scope, key: req.key };
  const fingerprint = fingerprintOf(req.request);
  const now = deps.now();
  const claim = await deps.store.claimIdempotencyKey(ref, fingerprint, {
    now,
    staleBefore: new Date(now.getTime() - STALE_CLAIM_MS),
  });
  if (claim.state === 'done') {
    if (claim.fingerprint !== fingerprint) throw idempotencyKeyReused();
    return { status: claim.statusCode, body: claim.response, replayed: true };
  }
  if (claim.state === 'pending') {
    if (claim.fingerprint !== null && claim.fingerprint !== fingerprint) throw idempotencyKeyReused();
    throw idempotencyKeyInUse();
  }

  try {
    return await deps.store.transaction(async (tx) => {
      const reply = await effect(tx);
      await tx.completeIdempotencyKey(ref, { statusCode: reply.status, response: reply.body });
      return reply;
    });
  } catch (err) {
    // Nothing was committed: free the key so a retry runs. If this fails too (database down),
    // the claim goes stale and the next retry after STALE_CLAIM_MS takes it over.
    await deps.store.releaseIdempotencyKey(ref).catch(() => {});
    throw err;
  }
}

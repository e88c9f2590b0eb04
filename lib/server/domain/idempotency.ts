import { createHash } from 'node:crypto';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { IdempotencyRef, MetricsStore, WriteQueries } from '@/lib/server/store/port';
import { idempotencyKeyInUse, idempotencyKeyReused } from './errors';

/**
 * Idempotency-Key (API.md): a key belongs to (session, endpoint); the fingerprint covers the whole
 * body, the expose included, so the same key on another expose is a 422. The claim is the first
 * statement of the effect's own transaction: the key, the effect and the stored reply commit
 * together or not at all. A request whose connection or process dies therefore leaves nothing
 * behind (PostgreSQL rolls its transaction back), and a retry runs at once. A duplicate sent while
 * the first still runs waits on the key's unique index for at most CLAIM_WAIT_MS: it then replays
 * the first reply (or gets 422), or, if the first is still running, gets 409 with Retry-After.
 */

/** Keys are remembered at least this long (maintenance deletes them afterwards). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * How long a duplicate waits for the first request's transaction (PostgreSQL lock_timeout). A
 * share or comment commits in milliseconds, so this covers a slow commit, and stays well under
 * the statement timeout (2.5 s) so the wait ends as a 409, not a 503.
 */
export const CLAIM_WAIT_MS = 1_500;

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
  store: Pick<MetricsStore, 'transaction'> & WriteQueries;
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
  return deps.store.transaction(async (tx) => {
    const claim = await tx.claimIdempotencyKey(ref, fingerprint, { now: deps.now(), waitMs: CLAIM_WAIT_MS });
    // 'busy' left the transaction aborted: throwing rolls it back.
    if (claim.state === 'busy') throw idempotencyKeyInUse();
    if (claim.state === 'done') {
      if (claim.fingerprint !== fingerprint) throw idempotencyKeyReused();
      return { status: claim.statusCode, body: claim.response, replayed: true };
    }
    const reply = await effect(tx);
    await tx.completeIdempotencyKey(ref, { statusCode: reply.status, response: reply.body });
    return reply;
  });
}

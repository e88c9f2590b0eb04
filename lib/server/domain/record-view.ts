import { isbot } from 'isbot';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { ExposeStore, ExposeViewOp, MetricsStore } from '@/lib/server/store/port';
import { DomainError, expired, notFound } from './errors';
import { isExpired, myVoteFromValue, toSnapshot } from './expose-view';
import type { HotWrites } from './hot-writes';
import { utcDay, type ViewerHasher } from './viewer-hash';
import type { IpCaps } from './record-vote';
import type { AuditRecorder } from './audit';

/** A viewer is counted once per expose per this window. */
export const VIEW_WINDOW_MS = 24 * 3_600_000;

export interface ViewDeps {
  store: Pick<MetricsStore, 'applyViewsAcross'> & Pick<ExposeStore, 'findExpose' | 'findVotes'>;
  now: () => Date;
  viewers: ViewerHasher;
  bus?: MetricsBus;
  hotWrites: HotWrites;
  /** The per-IP caps; absent in store-only tests. */
  caps?: IpCaps;
  audit?: AuditRecorder;
}

export type ViewReply = MetricsSnapshot & { counted: boolean; overIpCap?: boolean };

/** A batch entry's outcome: its reply, or the 404/410 that explains why nothing was written for it. */
export type ViewOutcome = ViewReply | DomainError;

/**
 * Counts the views of a batch, of any number of exposes, in ONE statement (WriteQueries.
 * applyViewsAcross): one commit for the whole batch, one counter update and version bump per expose
 * that counted a view. One outcome per op: a missing or expired expose fails only its own ops.
 */
export async function applyViewBatch(
  deps: Pick<ViewDeps, 'store' | 'now' | 'bus' | 'caps' | 'audit'>,
  ops: readonly ExposeViewOp[],
  now: Date = deps.now(),
): Promise<ViewOutcome[]> {
  const result = await deps.store.applyViewsAcross(ops, {
    now,
    until: new Date(now.getTime() + VIEW_WINDOW_MS),
    ipCap: deps.caps ? { day: utcDay(now), max: deps.caps.views } : undefined,
  });
  const outcomes = ops.map((op, i): ViewOutcome => {
    const expose = result.exposes.get(op.exposeId);
    if (!expose) return notFound();
    if (!expose.open) return expired();
    return {
      ...toSnapshot(op.exposeId, expose.counters, myVoteFromValue(expose.votes.get(op.sessionId))),
      counted: result.counted[i] ?? false,
      // A new viewer refused by the view cap (ec_writes_total over_ip_cap); not part of the JSON reply.
      overIpCap: result.capped[i] ?? false,
    };
  });
  ops.forEach((op, i) => {
    const outcome = outcomes[i];
    if (outcome instanceof DomainError) {
      if (outcome.code === 'expired') deps.audit?.record(op.exposeId, 'view', 'expired');
      return;
    }
    deps.audit?.record(op.exposeId, 'view', result.counted[i] ? 'counted' : result.capped[i] ? 'over_ip_cap' : 'duplicate_view');
  });
  // The statement has committed: publish each expose whose version moved (a view was counted).
  const published = new Set<string>();
  ops.forEach((op, i) => {
    const outcome = outcomes[i];
    if (!result.counted[i] || published.has(op.exposeId) || !outcome || outcome instanceof DomainError) return;
    published.add(op.exposeId);
    publishSnapshot(deps.bus, outcome);
  });
  return outcomes;
}

/** Known bots (by user agent) get the metrics and `counted: false`, and write nothing. */
async function botView(deps: ViewDeps, exposeId: string, sessionId: string, now: Date): Promise<ViewReply> {
  const row = await deps.store.findExpose(exposeId);
  if (!row) throw notFound();
  if (isExpired(row, now)) throw expired();
  const votes = await deps.store.findVotes(sessionId, [exposeId]);
  return { ...toSnapshot(exposeId, row, myVoteFromValue(votes.get(exposeId))), counted: false };
}

/** The reply, and how the view ended for ec_writes_total. */
export interface ViewResult {
  reply: ViewReply;
  outcome: 'applied' | 'duplicate_view' | 'over_ip_cap' | 'bot';
}

export async function recordView(
  deps: ViewDeps,
  input: { exposeId: string; sessionId: string; ip: string; userAgent: string },
): Promise<ViewResult> {
  const now = deps.now();
  if (isbot(input.userAgent)) {
    const reply = await botView(deps, input.exposeId, input.sessionId, now).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'expired') deps.audit?.record(input.exposeId, 'view', 'expired');
      throw err;
    });
    deps.audit?.record(input.exposeId, 'view', 'bot');
    return { reply, outcome: 'bot' };
  }
  const [keys, ipKey] = await Promise.all([deps.viewers.keysFor(input.ip, input.userAgent, now), deps.viewers.ipKeyFor(input.ip, now)]);
  const { overIpCap, ...reply } = await deps.hotWrites.view(input.exposeId, {
    sessionId: input.sessionId,
    viewerHash: keys.current,
    previousHash: keys.previous,
    ipKey,
    // The salt's day: a batch that runs after midnight still files the hash under its own day.
    day: utcDay(now),
  });
  return { reply, outcome: reply.counted ? 'applied' : overIpCap ? 'over_ip_cap' : 'duplicate_view' };
}

import { isbot } from 'isbot';
import type { MetricsSnapshot } from '@/lib/contracts/metrics';
import { publishSnapshot, type MetricsBus } from '@/lib/server/live/bus';
import type { ExposeStore, MetricsStore, ViewOp } from '@/lib/server/store/port';
import { expired, notFound } from './errors';
import { isExpired, myVoteFromValue, toSnapshot } from './expose-view';
import type { HotWrites } from './hot-writes';
import type { ViewerHasher } from './viewer-hash';
import { assertWritable } from './assert-writable';

/** A viewer is counted once per expose per this window. */
export const VIEW_WINDOW_MS = 24 * 3_600_000;

export interface ViewDeps {
  store: Pick<MetricsStore, 'applyViews'> & Pick<ExposeStore, 'findExpose' | 'findVotes'>;
  now: () => Date;
  viewers: ViewerHasher;
  bus?: MetricsBus;
  hotWrites: HotWrites;
}

export type ViewReply = MetricsSnapshot & { counted: boolean };

/** Counts the views of one expose in one statement; one reply per op (see WriteQueries.applyViews). */
export async function applyViewBatch(
  deps: Pick<ViewDeps, 'store' | 'now' | 'bus'>,
  exposeId: string,
  ops: readonly ViewOp[],
  now: Date = deps.now(),
): Promise<ViewReply[]> {
  const result = assertWritable(
    await deps.store.applyViews(exposeId, ops, { now, until: new Date(now.getTime() + VIEW_WINDOW_MS) }),
  );
  const replies = ops.map((op, i) => ({
    ...toSnapshot(exposeId, result.counters, myVoteFromValue(result.votes.get(op.sessionId))),
    counted: result.counted[i] ?? false,
  }));
  // The statement has committed: publish only when a view was counted (the version moved).
  if (replies[0] && result.counted.some(Boolean)) publishSnapshot(deps.bus, replies[0]);
  return replies;
}

/** Known bots (by user agent) get the metrics and `counted: false`, and write nothing. */
async function botView(deps: ViewDeps, exposeId: string, sessionId: string, now: Date): Promise<ViewReply> {
  const row = await deps.store.findExpose(exposeId);
  if (!row) throw notFound();
  if (isExpired(row, now)) throw expired();
  const votes = await deps.store.findVotes(sessionId, [exposeId]);
  return { ...toSnapshot(exposeId, row, myVoteFromValue(votes.get(exposeId))), counted: false };
}

export async function recordView(
  deps: ViewDeps,
  input: { exposeId: string; sessionId: string; ip: string; userAgent: string },
): Promise<ViewReply> {
  const now = deps.now();
  if (isbot(input.userAgent)) return botView(deps, input.exposeId, input.sessionId, now);
  const keys = await deps.viewers.keysFor(input.ip, input.userAgent, now);
  return deps.hotWrites.view(input.exposeId, {
    sessionId: input.sessionId,
    viewerHash: keys.current,
    previousHash: keys.previous,
  });
}

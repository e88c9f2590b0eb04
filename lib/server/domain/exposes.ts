import type { CreateExposeRequest, Expose, ExposesPage } from '@/lib/contracts/exposes';
import { DEFAULT_FEED_ORDER, TOP_WINDOW_MS, type FeedOrder } from '@/lib/contracts/feed-order';
import type { ExposeRow, ExposeStore, FeedAfter, FeedQueryOrder } from '@/lib/server/store/port';
import { decodeFeedCursor, encodeFeedCursor, type FeedCursorValue } from './cursor';
import { notFound } from './errors';
import { myVoteFromValue, toExpose } from './expose-view';

export interface ExposeDeps {
  store: ExposeStore;
  now: () => Date;
  newId: () => string;
}

const HOUR_MS = 3_600_000;

export async function createExpose(deps: ExposeDeps, input: CreateExposeRequest): Promise<Expose> {
  const now = deps.now();
  const expiresAt = input.ttlHours ? new Date(now.getTime() + input.ttlHours * HOUR_MS) : null;
  const row = await deps.store.insertExpose({ id: deps.newId(), title: input.title, body: input.body, expiresAt });
  return toExpose(row, now, null);
}

function queryOrder(order: FeedOrder, now: Date): FeedQueryOrder {
  if (order.sort !== 'top') return { sort: order.sort };
  const span = TOP_WINDOW_MS[order.window];
  return { sort: 'top', since: span === null ? null : new Date(now.getTime() - span) };
}

function cursorOf(sort: FeedOrder['sort'], row: ExposeRow): FeedCursorValue {
  if (sort === 'top') return { sort, netVotes: row.upvotes - row.downvotes, createdAt: row.createdAt, id: row.id };
  if (sort === 'hot') return { sort, hotRank: row.hotRank ?? 0, id: row.id };
  return { sort, createdAt: row.createdAt, id: row.id };
}

function afterOf(c: FeedCursorValue): FeedAfter {
  if (c.sort === 'hot') return { createdAt: new Date(0), id: c.id, hotRank: c.hotRank };
  return c.sort === 'top' ? { createdAt: c.createdAt, id: c.id, netVotes: c.netVotes } : { createdAt: c.createdAt, id: c.id };
}

/**
 * The feed in one of its orders (newest first by default), expired exposes left out: one query for
 * the page plus one for the caller's votes. A cursor belongs to the order that made it (400 otherwise).
 */
export async function listExposes(
  deps: Pick<ExposeDeps, 'store' | 'now'>,
  opts: { limit: number; cursor?: string; sessionId?: string; order?: FeedOrder },
): Promise<ExposesPage> {
  const order = opts.order ?? DEFAULT_FEED_ORDER;
  const after = opts.cursor ? afterOf(decodeFeedCursor(opts.cursor, order.sort)) : undefined;
  const now = deps.now();
  const rows = await deps.store.listFeed({ now, limit: opts.limit + 1, order: queryOrder(order, now), after });
  const page = rows.slice(0, opts.limit);
  const votes = opts.sessionId
    ? await deps.store.findVotes(
        opts.sessionId,
        page.map((r) => r.id),
      )
    : undefined;
  const last = page[page.length - 1];
  return {
    exposes: page.map((r) => toExpose(r, now, votes ? myVoteFromValue(votes.get(r.id)) : undefined)),
    nextCursor: rows.length > opts.limit && last ? encodeFeedCursor(cursorOf(order.sort, last)) : null,
  };
}

/** One expose, expired or not (its page still shows it, marked expired). */
export async function getExpose(
  deps: Pick<ExposeDeps, 'store' | 'now'>,
  id: string,
  sessionId?: string,
): Promise<Expose> {
  const row = await deps.store.findExpose(id);
  if (!row) throw notFound();
  // Without a session (a page a CDN may share) the vote is unknown, not "none": the engine looks it up.
  const myVote = sessionId ? myVoteFromValue((await deps.store.findVotes(sessionId, [id])).get(id)) : undefined;
  return toExpose(row, deps.now(), myVote);
}

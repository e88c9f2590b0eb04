import type { CreateExposeRequest, Expose, ExposesPage } from '@/lib/contracts/exposes';
import type { ExposeStore } from '@/lib/server/store/port';
import { decodeCursor, encodeCursor } from './cursor';
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

/** The feed: newest first, expired left out, one query for the page plus one for the caller's votes. */
export async function listExposes(
  deps: Pick<ExposeDeps, 'store' | 'now'>,
  opts: { limit: number; cursor?: string; sessionId?: string },
): Promise<ExposesPage> {
  const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const now = deps.now();
  const rows = await deps.store.listFeed({ now, limit: opts.limit + 1, after });
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
    nextCursor: rows.length > opts.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
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
  const myVote = sessionId ? myVoteFromValue((await deps.store.findVotes(sessionId, [id])).get(id)) : null;
  return toExpose(row, deps.now(), myVote);
}

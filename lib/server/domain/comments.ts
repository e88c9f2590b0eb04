import { DEFAULT_AUTHOR_NAME } from '@/lib/contracts/comment-author';
import type { Comment, CommentsPage, CreateCommentResponse } from '@/lib/contracts/comments';
import type { CommentRow, ExposeStore, MetricsStore, NewComment, WriteQueries } from '@/lib/server/store/port';
import { decodeCursor, encodeCursor } from './cursor';
import { notFound } from './errors';
import { myVoteFromValue, toSnapshot } from './expose-view';
import { newCommentId } from './ids';
import { publishComment } from '@/lib/server/live/bus';
import { publishCommitted, runIdempotent, type IdempotencyDeps, type Reply } from './idempotency';
import { assertWritable } from './assert-writable';

const toComment = (r: CommentRow): Comment => ({
  id: r.id,
  exposeId: r.exposeId,
  body: r.body,
  authorName: r.authorName,
  createdAt: r.createdAt.toISOString(),
});

/** Inserts comments on one expose in one statement; one reply per comment. */
export async function applyCommentBatch(
  w: Pick<WriteQueries, 'insertComments'>,
  exposeId: string,
  comments: readonly NewComment[],
  now: Date,
): Promise<CreateCommentResponse[]> {
  const result = assertWritable(await w.insertComments(exposeId, comments, { now }));
  return comments.map((c) => ({
    ...toSnapshot(exposeId, result.counters, myVoteFromValue(result.votes.get(c.sessionId))),
    comment: toComment({ ...c, exposeId, createdAt: now }),
  }));
}

export async function addComment(
  deps: IdempotencyDeps,
  input: { exposeId: string; body: string; authorName?: string; sessionId: string; idempotencyKey?: string },
): Promise<Reply> {
  const now = deps.now();
  const authorName = input.authorName ?? DEFAULT_AUTHOR_NAME;
  const reply = await runIdempotent(
    deps,
    {
      sessionId: input.sessionId,
      scope: 'comment',
      key: input.idempotencyKey,
      request: { exposeId: input.exposeId, body: input.body, authorName },
    },
    async (w) => {
      const comment = { id: newCommentId(), sessionId: input.sessionId, body: input.body, authorName };
      const [reply] = await applyCommentBatch(w, input.exposeId, [comment], now);
      return { status: 201, body: reply };
    },
  );
  // The comment itself goes out first, then the snapshot with its count; a replay publishes nothing.
  if (!reply.replayed) publishComment(deps.bus, (reply.body as CreateCommentResponse).comment);
  return publishCommitted(deps, reply);
}

/** Newest first, ties by id, opaque cursor; 404 for an unknown expose (expired ones stay readable). */
export async function listComments(
  deps: { store: Pick<MetricsStore, 'listComments'> & Pick<ExposeStore, 'findExpose'> },
  opts: { exposeId: string; limit: number; cursor?: string },
): Promise<CommentsPage> {
  const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const rows = await deps.store.listComments(opts.exposeId, { limit: opts.limit + 1, after });
  if (rows.length === 0 && !(await deps.store.findExpose(opts.exposeId))) throw notFound();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    comments: page.map(toComment),
    nextCursor: rows.length > opts.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

import { z } from 'zod';
import { exposeIdSchema, normalizedText } from './common';
import { LIMITS, type Comment, type CommentsPage } from './core';
import { metricsSnapshotSchema } from './metrics';

export type { Comment, CommentsPage } from './core';

export const commentBodySchema = normalizedText('body', LIMITS.commentBodyMax);

export const createCommentRequestSchema = z
  .object({
    exposeId: exposeIdSchema,
    body: commentBodySchema,
    authorName: normalizedText('authorName', LIMITS.authorNameMax).optional(),
  })
  .strict();

export const listCommentsQuerySchema = z.object({
  exposeId: exposeIdSchema,
  limit: z.coerce.number().int().min(1).max(LIMITS.pageLimitMax).default(LIMITS.pageLimitDefault),
  cursor: z.string().max(LIMITS.cursorMax).optional(),
});

export const commentSchema = z.object({
  id: z.string(),
  exposeId: exposeIdSchema,
  body: z.string(),
  authorName: z.string(),
  createdAt: z.string(),
});

export const commentsPageSchema = z.object({ comments: z.array(commentSchema), nextCursor: z.string().nullable() });

export const createCommentResponseSchema = metricsSnapshotSchema.extend({ comment: commentSchema });
export type CreateCommentResponse = z.infer<typeof createCommentResponseSchema>;

export const _matchesCore: [z.ZodType<Comment>, z.ZodType<CommentsPage>] = [commentSchema, commentsPageSchema];

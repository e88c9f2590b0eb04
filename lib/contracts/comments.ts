import { z } from 'zod';
import { exposeIdSchema, normalizedText } from './common';
import { metricsSnapshotSchema } from './metrics';

export const commentBodySchema = normalizedText('body', 2000);

export const createCommentRequestSchema = z
  .object({
    exposeId: exposeIdSchema,
    body: commentBodySchema,
    authorName: normalizedText('authorName', 40).optional(),
  })
  .strict();

export const listCommentsQuerySchema = z.object({
  exposeId: exposeIdSchema,
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});

export const commentSchema = z.object({
  id: z.string(),
  exposeId: exposeIdSchema,
  body: z.string(),
  authorName: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof commentSchema>;

export const commentsPageSchema = z.object({ comments: z.array(commentSchema), nextCursor: z.string().nullable() });
export type CommentsPage = z.infer<typeof commentsPageSchema>;

export const createCommentResponseSchema = metricsSnapshotSchema.extend({ comment: commentSchema });
export type CreateCommentResponse = z.infer<typeof createCommentResponseSchema>;

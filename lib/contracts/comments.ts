import { z } from 'zod';
import { exposeIdSchema } from './common';
import { metricsSnapshotSchema } from './metrics';

// Control characters other than tab (\x09) and newline (\x0A) are stripped before length checks.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/g;
export const cleanCommentText = (s: string): string => s.replace(CONTROL_CHARS, '').trim();

export const commentBodySchema = z
  .string()
  .transform(cleanCommentText)
  .pipe(z.string().min(1, 'body must not be empty').max(2000, 'body must be at most 2000 characters'));

export const createCommentRequestSchema = z
  .object({
    exposeId: exposeIdSchema,
    body: commentBodySchema,
    authorName: z
      .string()
      .transform(cleanCommentText)
      .pipe(z.string().min(1, 'authorName must not be empty').max(40, 'authorName must be at most 40 characters'))
      .optional(),
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

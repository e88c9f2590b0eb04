import {
  commentsPageSchema,
  createCommentRequestSchema,
  createCommentResponseSchema,
  listCommentsQuerySchema,
} from '@/lib/contracts/comments';
import { addComment, listComments } from '@/lib/server/domain/comments';
import { fromReply } from '../reply';
import { defineRoute } from '../route';

// GET /api/expose/comments?exposeId=&limit=&cursor= — newest first, cursor pagination.
export const listCommentsRoute = defineRoute({
  method: 'GET',
  url: '/api/expose/comments',
  querystring: listCommentsQuerySchema,
  rateLimit: 'read',
  summary: 'Comments of an expose, newest first (cursor pagination)',
  response: { 200: commentsPageSchema },
  errors: ['not_found', 'unavailable'],
  handler: async ({ query, container, reply }) => {
    reply.header('cache-control', 'no-store');
    return { body: await listComments(container, query) };
  },
});

// POST /api/expose/comments — one comment per Idempotency-Key; 201 with the comment and the metrics.
export const createCommentRoute = defineRoute({
  method: 'POST',
  url: '/api/expose/comments',
  body: createCommentRequestSchema,
  rateLimit: 'comment',
  write: 'comment',
  idempotent: true,
  summary: 'Add a comment (once per Idempotency-Key)',
  response: { 201: createCommentResponseSchema },
  errors: ['not_found', 'expired', 'unavailable'],
  handler: async ({ body, sessionId, idempotencyKey, container }) =>
    fromReply(await addComment(container, { ...body, sessionId, idempotencyKey })),
});

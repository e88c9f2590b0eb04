import {
  createExposeRequestSchema,
  exposeParamsSchema,
  exposeSchema,
  exposesPageSchema,
  listExposesQuerySchema,
} from '@/lib/contracts/exposes';
import { createExpose, getExpose, listExposes } from '@/lib/server/domain/exposes';
import { defineRoute } from '../route';

// GET /api/exposes?sort=new|hot|top&t=day|week|all — the feed in that order, expired ones left out.
export const listExposesRoute = defineRoute({
  method: 'GET',
  url: '/api/exposes',
  querystring: listExposesQuerySchema,
  rateLimit: 'read',
  summary: 'The feed, newest first, expired exposes left out',
  response: { 200: exposesPageSchema },
  errors: ['unavailable'],
  handler: async ({ query, sessionId, container }) => ({
    body: await listExposes(container, {
      limit: query.limit,
      cursor: query.cursor,
      sessionId,
      order: { sort: query.sort, window: query.t },
    }),
  }),
});

// POST /api/exposes — creates an expose with an optional lifetime.
export const createExposeRoute = defineRoute({
  method: 'POST',
  url: '/api/exposes',
  body: createExposeRequestSchema,
  rateLimit: 'createExpose',
  write: 'expose',
  summary: 'Create an expose with an optional lifetime',
  response: { 201: exposeSchema },
  errors: ['unavailable'],
  handler: async ({ body, container }) => ({
    status: 201,
    body: await createExpose({ store: container.store, now: container.now, newId: container.newExposeId }, body),
  }),
});

// GET /api/exposes/{id} — one expose with the caller's vote.
export const getExposeRoute = defineRoute({
  method: 'GET',
  url: '/api/exposes/:id',
  params: exposeParamsSchema,
  rateLimit: 'read',
  summary: "One expose with the caller's vote",
  response: { 200: exposeSchema },
  errors: ['not_found', 'unavailable'],
  handler: async ({ params, sessionId, container }) => ({ body: await getExpose(container, params.id, sessionId) }),
});

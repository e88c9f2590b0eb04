import {
  assignmentsResponseSchema,
  experimentActionParamsSchema,
  experimentSummarySchema,
  experimentsListSchema,
  exposureRequestSchema,
  exposureResponseSchema,
} from '@/lib/contracts/experiments';
import { defineRoute } from '../route';

// GET /api/experiments — the caller's variants in the running experiments (sets the session cookie).
export const assignmentsRoute = defineRoute({
  method: 'GET',
  url: '/api/experiments',
  rateLimit: 'read',
  summary: "The caller's variant and policy overrides in every running experiment it is in",
  response: { 200: assignmentsResponseSchema },
  errors: ['unavailable'],
  handler: async ({ sessionId, container }) => ({
    body: { assignments: await container.experiments.assignments(sessionId) },
    headers: { 'cache-control': 'private, no-store' },
  }),
});

// POST /api/experiments/exposures — the variant first affected something; recorded once per session.
export const exposureRoute = defineRoute({
  method: 'POST',
  url: '/api/experiments/exposures',
  body: exposureRequestSchema,
  rateLimit: 'exposure',
  summary: 'Records that the caller was exposed to its variant (once per session and experiment)',
  response: { 200: exposureResponseSchema },
  errors: ['not_found', 'unavailable'],
  handler: async ({ body, sessionId, container }) => ({
    body: { recorded: await container.experiments.recordExposure(sessionId, body.experiment, body.variant) },
  }),
});

// GET /api/admin/experiments — every experiment with its state, exposures, outcomes and statistics.
export const experimentsListRoute = defineRoute({
  method: 'GET',
  url: '/api/admin/experiments',
  rateLimit: 'read',
  admin: true,
  summary: 'Experiments with status, exposures, per-variant outcomes, lifts, p-values and SRM (admin only)',
  response: { 200: experimentsListSchema },
  errors: ['unauthorized', 'forbidden', 'unavailable'],
  handler: async ({ container }) => ({
    body: { experiments: await container.experiments.summaries() },
    headers: { 'cache-control': 'no-store' },
  }),
});

// POST /api/admin/experiments/:key/:action — start, pause or stop an experiment (admin only).
export const experimentActionRoute = defineRoute({
  method: 'POST',
  url: '/api/admin/experiments/:key/:action',
  params: experimentActionParamsSchema,
  rateLimit: 'admin',
  admin: true,
  summary: 'Starts, pauses or stops an experiment; stopped is final (admin only)',
  response: { 200: experimentSummarySchema },
  errors: ['unauthorized', 'forbidden', 'not_found', 'unavailable'],
  handler: async ({ params, container }) => ({
    body: await container.experiments.act(params.key, params.action),
    headers: { 'cache-control': 'no-store' },
  }),
});

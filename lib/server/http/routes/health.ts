import { healthSchema } from '@/lib/contracts/common';
import { checkReadiness } from '@/lib/server/domain/health';
import { defineRoute, type ApiRoute } from '../route';

export const LIVENESS_URL = '/api/health/live';

// GET /api/health/live — liveness: the process answers; touches no database (a restart would not help
// when the database is down), and still answers while draining.
const liveRoute = defineRoute({
  method: 'GET',
  url: LIVENESS_URL,
  summary: 'Liveness: the process answers (no database; also while draining)',
  response: { 200: healthSchema },
  handler: async ({ reply }) => {
    reply.header('cache-control', 'no-store');
    return { body: { ok: true } };
  },
});

// GET /api/health/ready (and /api/health) — readiness: database reachable, migrated, not draining;
// else 503 `unavailable` (within the store's 3 s timeouts).
const readyRoute = (url: string) =>
  defineRoute({
    method: 'GET',
    url,
    summary: 'Readiness: database reachable, migrations applied, not shutting down',
    response: { 200: healthSchema },
    errors: ['unavailable'],
    handler: async ({ container, reply }) => {
      reply.header('cache-control', 'no-store');
      return { body: await checkReadiness(container) };
    },
  });

export const healthRoute: ApiRoute = (app, container) => {
  liveRoute(app, container);
  readyRoute('/api/health/ready')(app, container);
  readyRoute('/api/health')(app, container);
};

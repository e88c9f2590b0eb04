import { healthSchema } from '@/lib/contracts/common';
import { checkHealth } from '@/lib/server/domain/exposes';
import { defineRoute } from '../route';

// GET /api/health — a real query; 503 `unavailable` (within the store's 3 s timeouts) when it fails.
export const healthRoute = defineRoute({
  method: 'GET',
  url: '/api/health',
  summary: 'Is the database reachable?',
  response: { 200: healthSchema },
  errors: ['unavailable'],
  handler: async ({ container, reply }) => {
    reply.header('cache-control', 'no-store');
    return { body: await checkHealth(container) };
  },
});

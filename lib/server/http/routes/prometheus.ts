import { z } from 'zod';
import { defineRoute } from '../route';

// GET /api/metrics — Prometheus text exposition of this instance (all workers); admin only.
export const prometheusRoute = defineRoute({
  method: 'GET',
  url: '/api/metrics',
  admin: true,
  summary: 'Prometheus metrics of this instance, all workers (admin only)',
  response: {
    200: {
      description: 'Prometheus text exposition format (docs/OPERATIONS.md lists every series)',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
  errors: ['unauthorized', 'forbidden'],
  handler: async ({ container }) => ({
    body: await container.telemetry.scrape(),
    headers: { 'content-type': container.telemetry.contentType, 'cache-control': 'no-store' },
  }),
});

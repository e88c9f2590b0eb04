import { metricsBatchResponseSchema, metricsQuerySchema } from '@/lib/contracts/metrics';
import { readMetrics } from '@/lib/server/domain/read-metrics';
import { defineRoute } from '../route';

// GET /api/expose/metrics?ids=a,b — batch read with the caller's votes; unknown ids left out.
export const metricsRoute = defineRoute({
  method: 'GET',
  url: '/api/expose/metrics',
  querystring: metricsQuerySchema,
  rateLimit: 'read',
  summary: "Metrics of up to 100 exposes with the caller's votes; unknown ids left out",
  response: { 200: metricsBatchResponseSchema },
  errors: ['unavailable'],
  handler: async ({ query, sessionId, container, reply }) => {
    reply.header('cache-control', 'no-store');
    return { body: await readMetrics(container, query.ids, sessionId) };
  },
});

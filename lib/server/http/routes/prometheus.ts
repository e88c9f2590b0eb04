import { defineRoute } from '../route';

// GET /api/metrics — Prometheus text exposition of this instance (all workers); admin only.
export const prometheusRoute = defineRoute({
  method: 'GET',
  url: '/api/metrics',
  admin: true,
  handler: async ({ container }) => ({
    body: await container.telemetry.scrape(),
    headers: { 'content-type': container.telemetry.contentType, 'cache-control': 'no-store' },
  }),
});

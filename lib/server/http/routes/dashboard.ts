import { z } from 'zod';
import { dashboardExposeQuerySchema, dashboardExposeSchema, dashboardSnapshotSchema } from '@/lib/contracts/dashboard';
import { readDashboard, readDashboardExpose, type DashboardDeps } from '@/lib/server/domain/dashboard';
import type { Container } from '@/lib/server/container';
import { createDashboardFeed } from '@/lib/server/live/dashboard-stream';
import { createStreamRegistry } from '@/lib/server/live/stream-registry';
import { defineRoute, type ApiRoute } from '../route';

const deps = (c: Container): DashboardDeps => ({ store: c.store, now: c.now, registry: c.telemetry.registry, audit: c.audit });
const NO_STORE = { 'cache-control': 'no-store' };

// GET /api/dashboard — every panel of /dashboard at once; admin only.
export const dashboardRoute = defineRoute({
  method: 'GET',
  url: '/api/dashboard',
  rateLimit: 'read',
  admin: true,
  summary: 'The analytics dashboard: events per minute, top and trending exposes, server, client and Web Vitals figures (admin only)',
  response: { 200: dashboardSnapshotSchema },
  errors: ['unauthorized', 'forbidden', 'unavailable'],
  handler: async ({ container }) => ({ body: await readDashboard(deps(container)), headers: NO_STORE }),
});

// GET /api/dashboard/expose?exposeId= — one expose's curve, count audit and drops; admin only.
export const dashboardExposeRoute = defineRoute({
  method: 'GET',
  url: '/api/dashboard/expose',
  querystring: dashboardExposeQuerySchema,
  rateLimit: 'read',
  admin: true,
  summary: 'One expose on the dashboard: engagement over 24 h and 30 days, its count audit and dropped writes (admin only)',
  response: { 200: dashboardExposeSchema },
  errors: ['unauthorized', 'forbidden', 'not_found', 'unavailable'],
  handler: async ({ query, container }) => ({ body: await readDashboardExpose(deps(container), query.exposeId), headers: NO_STORE }),
});

// GET /api/dashboard/stream — SSE: `event: dashboard` with the GET /api/dashboard body, every DASHBOARD_PUSH_MS.
export const dashboardStreamRoute: ApiRoute = (app, container) => {
  const streams = createStreamRegistry({ maxStreams: 50, maxPerIp: 5 });
  const feed = createDashboardFeed({
    read: () => readDashboard(deps(container)),
    intervalMs: container.config.dashboardPushMs,
    onError: (err) => app.log.warn({ err }, 'dashboard stream read failed'),
  });
  app.addHook('preClose', async () => {
    streams.shutdown();
    feed.close();
  });
  defineRoute({
    method: 'GET',
    url: '/api/dashboard/stream',
    rateLimit: 'stream',
    admin: true,
    summary: 'Server-Sent Events: the dashboard snapshot at once and then every few seconds (`event: dashboard`; admin only)',
    response: {
      200: {
        description: '`event: dashboard` with `data: <GET /api/dashboard body>`',
        content: { 'text/event-stream': { schema: z.string() } },
      },
    },
    errors: ['unauthorized', 'forbidden', 'unavailable'],
    handler: async ({ ipHash, request, reply }) => {
      if (request.method === 'HEAD') return { body: '', headers: { 'content-type': 'text/event-stream; charset=utf-8' } };
      const lease = streams.acquire(ipHash);
      reply.hijack();
      try {
        const stream = await feed.attach(reply.raw, reply.getHeaders());
        stream.onEnd(() => lease.release());
        lease.onShutdown(() => stream.end());
      } catch (err) {
        lease.release();
        request.log.warn({ err, reqId: request.id }, 'dashboard stream failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
          reply.raw.end(JSON.stringify({ error: { code: 'unavailable', message: 'The dashboard could not be read; try again.' } }));
        } else reply.raw.end();
      }
    },
  })(app, container);
};

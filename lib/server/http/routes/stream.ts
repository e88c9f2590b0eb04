import { z } from 'zod';
import { metricsQuerySchema } from '@/lib/contracts/metrics';
import { readMetrics } from '@/lib/server/domain/read-metrics';
import { toLiveSnapshot } from '@/lib/server/live/bus';
import { prepareMetricsStream, SSE_HEADERS } from '@/lib/server/live/metrics-stream';
import { createStreamRegistry } from '@/lib/server/live/stream-registry';
import { defineRoute, type ApiRoute } from '../route';

/** At most one event per expose per this window, carrying the latest version. */
const COALESCE_MS = 100;

// GET /api/expose/stream?ids=a,b — SSE: each known id's snapshot, then every committed change.
export const streamRoute: ApiRoute = (app, container) => {
  const streams = createStreamRegistry({
    maxStreams: container.config.maxStreams,
    maxPerIp: container.config.maxStreamsPerIp,
  });
  // Streams never go idle, so the server's close would wait on them forever: end them first, and
  // their clients reconnect (EventSource `retry`) to an instance that is still up.
  app.addHook('preClose', async () => streams.shutdown());
  container.telemetry.watch({ openStreams: () => streams.openCount() });

  defineRoute({
    method: 'GET',
    url: '/api/expose/stream',
    querystring: metricsQuerySchema,
    rateLimit: 'stream',
    summary: 'Server-Sent Events: each known expose\'s metrics, then every committed change (`event: metrics`)',
    response: {
      200: {
        description: '`event: metrics` with `data: <metrics object without myVote>`, and keep-alive comments',
        content: { 'text/event-stream': { schema: z.string() } },
      },
    },
    // 429: too many open streams for this client; 503: the instance's stream limit, or the database.
    errors: ['unavailable'],
    handler: async ({ query, ipHash, request, reply }) => {
      // Fastify answers HEAD with this handler too; a body-less stream would never flush its head.
      if (request.method === 'HEAD') return { body: '', headers: SSE_HEADERS };
      const lease = streams.acquire(ipHash);
      // Until the head is written, a failure (e.g. the database is down) is still a normal error reply.
      const stream = await prepareMetricsStream({
        ids: query.ids,
        bus: container.bus,
        // No session: the stream is the same for everyone, so it carries no `myVote`.
        read: async (ids) => (await readMetrics(container, ids)).items.map(toLiveSnapshot),
        keepAliveMs: container.config.streamKeepAliveMs,
        coalesceMs: COALESCE_MS,
        probe: container.telemetry.live,
        onError: (err) => request.log.warn({ err, reqId: request.id }, 'metrics stream error'),
      }).catch((err: unknown) => {
        lease.release();
        throw err;
      });
      reply.hijack();
      stream.onEnd(() => lease.release());
      stream.attach(reply.raw, reply.getHeaders());
      lease.onShutdown(() => stream.end());
    },
  })(app, container);
};

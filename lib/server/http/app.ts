import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Container } from '@/lib/server/container';
import { DomainError } from '@/lib/server/domain/errors';
import { refuseWhileDraining } from './draining';
import { registerHttpMetrics } from '@/lib/server/observability/http-metrics';
import { errorHandler, sendError, toHttpError } from './errors';
import { isStaticAsset, registerIdentity } from './identity';
import { registerOpenApi } from './openapi';
import { isPublicPageRequest, keepPrivate, keepPublicWhenPlain, keepShareable } from './private-response';
import { RequestLog, requestIdGenerator, trackRequests } from './request-log';
import { registerSecurityHeaders, setPageCsp, setScriptAssetCsp } from './security-headers';
import type { ApiRoute } from './route';
import { adminLoginRoute } from './routes/admin';
import { auditRoute } from './routes/audit';
import { createCommentRoute, listCommentsRoute } from './routes/comments';
import { createExposeRoute, getExposeRoute, listExposesRoute } from './routes/exposes';
import { healthRoute } from './routes/health';
import { metricsRoute } from './routes/metrics';
import { prometheusRoute } from './routes/prometheus';
import { openapiRoute } from './routes/openapi';
import { shareRoute } from './routes/shares';
import { assignmentsRoute, experimentActionRoute, experimentsListRoute, exposureRoute } from './routes/experiments';
import { streamRoute } from './routes/stream';
import { telemetryRoute } from './routes/telemetry';
import { dashboardExposeRoute, dashboardRoute, dashboardStreamRoute } from './routes/dashboard';
import { viewRoute } from './routes/views';
import { voteRoute } from './routes/votes';

export const API_ROUTES: readonly ApiRoute[] = [
  healthRoute,
  listExposesRoute,
  createExposeRoute,
  getExposeRoute,
  voteRoute,
  viewRoute,
  shareRoute,
  listCommentsRoute,
  createCommentRoute,
  metricsRoute,
  streamRoute,
  prometheusRoute,
  adminLoginRoute,
  openapiRoute,
  auditRoute,
  telemetryRoute,
  dashboardRoute,
  dashboardExposeRoute,
  dashboardStreamRoute,
  assignmentsRoute,
  exposureRoute,
  experimentsListRoute,
  experimentActionRoute,
];

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface BuildAppOptions {
  /** The process's logger (lib/server/logging.ts); absent: nothing is logged. */
  logger?: FastifyBaseLogger;
  /** Renders every non-API path (Next's request handler); absent in API-only tests. */
  pageHandler?: PageHandler;
  routes?: readonly ApiRoute[];
}

export async function buildApp(container: Container, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: 16 * 1024,
    // Slow clients: a whole request (headers + body) must arrive within requestTimeout (408 and
    // closed otherwise); a socket idle in both directions for connectionTimeout is closed. Live
    // streams are not cut: their request is complete at once and keep-alive comments are traffic.
    requestTimeout: container.config.requestTimeoutMs,
    connectionTimeout: container.config.connectionTimeoutMs,
    // Also given to http.createServer: set only afterwards (all Fastify does), Node 20 never enforced
    // it here (measured). Node checks on an interval (30 s by default): keep it a fraction of the timeout.
    http: {
      requestTimeout: container.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(container.config.requestTimeoutMs / 4)),
    },
    // One hop: the address our own proxy appended (the rightmost X-Forwarded-For entry). Trusting
    // every hop would let a client choose its IP by sending its own X-Forwarded-For.
    trustProxy: container.config.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    // One line per finished request (docs/OPERATIONS.md "Logs"), with this id, echoed in X-Request-Id.
    logController: new RequestLog(),
    genReqId: requestIdGenerator(container.config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true },
    // While shutting down, newcomers get the API's own 503 body from the hook below, not Fastify's.
    return503OnClosing: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies are accepted; anything else is a 415 from Fastify, mapped below.
  app.removeContentTypeParser(['text/plain']);
  const { publicOrigin, dev } = container.config;
  await registerSecurityHeaders(app, { publicOrigin, dev });
  // After the security headers (a refusal carries them too), before sessions and bodies.
  refuseWhileDraining(app, container.drain);
  // A list: the first secret signs, every one verifies (SESSION_SECRET rotation).
  await app.register(cookie, { secret: container.sessionSecrets });
  trackRequests(app);
  registerIdentity(app, { secrets: container.sessionSecrets, publicOrigin });
  app.setErrorHandler(errorHandler);
  registerHttpMetrics(app, container.telemetry);

  await registerOpenApi(app);
  for (const route of opts.routes ?? API_ROUTES) route(app, container);

  // Every path outside /api goes to Next before any body parsing; unknown /api paths get a JSON 404.
  app.all('/*', {
    onRequest: async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (path === '/api' || path.startsWith('/api/') || !opts.pageHandler) {
        throw new DomainError('not_found', 'No such endpoint.');
      }
      // Pages cost a render (or a replay); hashed build assets are cheap, immutable and many per page.
      if (!isStaticAsset(path)) {
        await container.rateLimits.consume('page', { sessionId: request.sessionId, ipHash: request.ipHash, sessionIsNew: request.sessionIsNew });
      }
      reply.hijack();
      if (!isStaticAsset(path)) setPageCsp(request.raw, reply.raw, { publicOrigin, dev });
      else if (path.endsWith('.js')) setScriptAssetCsp(reply.raw);
      // Defensive: pages set no session cookie (identity.ts), but a response carrying any cookie is
      // never storable by a shared cache, even when Next marks it `s-maxage` (its ISR cache).
      if (reply.raw.hasHeader('set-cookie')) keepPrivate(reply.raw);
      // The feed and expose pages for a visitor without a session are the same for everyone: a CDN
      // may keep them (docs/SCALING.md "Pages a CDN can cache"). With a session they stay private.
      else if (request.sessionIsNew && isPublicPageRequest(request.raw)) keepPublicWhenPlain(reply.raw);
      // The feed (`/` in every order and page) holds nothing of the visitor's: no `no-store`, so
      // the browser may restore it from its back/forward cache (own votes come from the engine).
      else if (path === '/') keepShareable(reply.raw);
      await opts.pageHandler(request.raw, reply.raw);
    },
    handler: async () => undefined,
  });
  app.setNotFoundHandler((request, reply) => {
    const mapped = toHttpError(new DomainError('not_found', 'No such endpoint.'));
    if (mapped) sendError(reply, mapped);
  });
  return app;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Container } from '@/lib/server/container';
import { DomainError } from '@/lib/server/domain/errors';
import { errorHandler, sendError, toHttpError } from './errors';
import { isStaticAsset, registerIdentity } from './identity';
import { keepPrivate, keepShareable } from './private-response';
import { registerSecurityHeaders, setPageCsp } from './security-headers';
import type { ApiRoute } from './route';
import { createCommentRoute, listCommentsRoute } from './routes/comments';
import { createExposeRoute, getExposeRoute, listExposesRoute } from './routes/exposes';
import { healthRoute } from './routes/health';
import { metricsRoute } from './routes/metrics';
import { shareRoute } from './routes/shares';
import { streamRoute } from './routes/stream';
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
];

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Renders every non-API path (Next's request handler); absent in API-only tests. */
  pageHandler?: PageHandler;
  routes?: readonly ApiRoute[];
}

/** Log lines carry the method, path and request id; never the client IP or user agent. */
export const loggerSerializers = {
  req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: req.url, id: req.id }),
};

export async function buildApp(container: Container, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 16 * 1024,
    // One hop: the address our own proxy appended (the rightmost X-Forwarded-For entry). Trusting
    // every hop would let a client choose its IP by sending its own X-Forwarded-For.
    trustProxy: container.config.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    // Per-request access lines cost throughput; errors and warnings are still logged with the request id.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies are accepted; anything else is a 415 from Fastify, mapped below.
  app.removeContentTypeParser(['text/plain']);
  const { publicOrigin, dev } = container.config;
  await registerSecurityHeaders(app, { publicOrigin, dev });
  // A list: the first secret signs, every one verifies (SESSION_SECRET rotation).
  await app.register(cookie, { secret: container.sessionSecrets });
  registerIdentity(app, { secrets: container.sessionSecrets, publicOrigin });
  app.setErrorHandler(errorHandler);

  for (const route of opts.routes ?? API_ROUTES) route(app, container);

  // Every path outside /api goes to Next before any body parsing; unknown /api paths get a JSON 404.
  app.all('/*', {
    onRequest: async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (path === '/api' || path.startsWith('/api/') || !opts.pageHandler) {
        throw new DomainError('not_found', 'No such endpoint.');
      }
      reply.hijack();
      if (!isStaticAsset(path)) setPageCsp(request.raw, reply.raw, { publicOrigin, dev });
      // A first visit's page carries its new session cookie (identity.ts): never storable by a shared
      // cache, even when Next serves the page from its ISR cache and marks it `s-maxage`.
      if (reply.raw.hasHeader('set-cookie')) keepPrivate(reply.raw);
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

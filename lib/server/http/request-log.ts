import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pathOf } from '@/lib/server/logging';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What our own proxy may send as a request id: a bounded token that needs no escaping anywhere. */
const FORWARDED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A fresh UUID per request; behind our own proxy (TRUST_PROXY=1) the proxy's X-Request-Id when it
 * is well-formed, so one id follows a request through both logs. A client cannot choose ids otherwise.
 */
export function requestIdGenerator(trustProxy: boolean): (req: IncomingMessage) => string {
  if (!trustProxy) return () => randomUUID();
  return (req) => {
    const sent = req.headers[REQUEST_ID_HEADER];
    return typeof sent === 'string' && FORWARDED_ID.test(sent) ? sent : randomUUID();
  };
}

/**
 * Every response, API or page, names its request id (set on the raw response: pages bypass
 * reply.send). Fastify reports only responses that finished; a client that leaves first (a live
 * stream closed by its page, a timeout) still gets its line, as `request aborted`.
 */
export function trackRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) reply.log.info(fieldsOf(request, reply), 'request aborted');
    });
    done();
  });
}

/** The route template (`/api/exposes/:id`), never the raw URL; pages and unknown paths by path alone. */
function routeOf(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  return template && template !== '/*' ? template : pathOf(request.url);
}

const fieldsOf = (request: FastifyRequest, reply: FastifyReply) => ({
  route: routeOf(request),
  method: request.method,
  status: reply.statusCode,
  ms: Math.round(reply.elapsedTime * 10) / 10,
});

/**
 * Fastify's request logging, replaced by one line per finished request (at `info`; the request id
 * comes from the request's child logger as `reqId`). Fastify calls `requestCompleted` from the
 * response's `finish`, so hijacked replies (pages, live streams) are logged too.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = fieldsOf(request, reply);
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request');
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WriteKind, WriteOutcome } from './probes';
import type { Telemetry } from './telemetry';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by defineRoute for write endpoints: counted in ec_writes_total. */
    writeKind?: WriteKind;
    /** Set by defineRoute: a 429 on this route counts as a rejection of this action. */
    rateLimitAction?: string;
  }
  interface FastifyRequest {
    /** A successful write's finer outcome (no_change, replayed, …); unset means "applied". */
    writeOutcome?: WriteOutcome;
  }
}

/** The catch-all that hands every non-API path to Next: one label, never the raw URL. */
const PAGE_ROUTE = '/*';

/** A failed write's outcome, from its status (the error list of docs/API.md maps onto these). */
export function outcomeOfStatus(status: number): WriteOutcome {
  switch (status) {
    case 404:
      return 'not_found';
    case 409: // idempotency_key_in_use: a retry of a request that is still running
      return 'replayed';
    case 410:
      return 'expired';
    case 428:
      return 'challenge_required';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'error' : 'invalid';
  }
}

/**
 * One onResponse hook records every request: duration by route template (Fastify's
 * routeOptions.url, so ids in paths never become labels), write outcomes and rate-limit rejections.
 * It runs after the response is sent, off the request's latency.
 */
export function registerHttpMetrics(app: FastifyInstance, telemetry: Telemetry): void {
  app.decorateRequest('writeOutcome', undefined);
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const url = request.routeOptions.url;
    const status = reply.statusCode;
    // The catch-all also answers unknown /api paths (404): those are not pages.
    const route =
      url === undefined || (url === PAGE_ROUTE && status === 404 && request.url.startsWith('/api'))
        ? 'unmatched'
        : url === PAGE_ROUTE
          ? 'page'
          : url;
    telemetry.http(route, request.method, status, reply.elapsedTime / 1000);
    const config = request.routeOptions.config;
    if (config.writeKind) {
      telemetry.write(config.writeKind, request.writeOutcome ?? (status < 400 ? 'applied' : outcomeOfStatus(status)));
    }
    if (status === 429 && config.rateLimitAction) telemetry.rateLimited(config.rateLimitAction);
    done();
  });
}

import type { FastifyInstance } from 'fastify';
import { shuttingDown } from '@/lib/server/domain/health';
import type { DrainState } from '@/lib/server/lifecycle/drain-state';
import { LIVENESS_URL } from './routes/health';

/**
 * From the start of a shutdown, every request (API or page) is refused with 503 `unavailable` and
 * Retry-After before anything else runs (no session, no body read), so the client retries on
 * another instance. Liveness still answers: the process is alive, and a failing liveness probe
 * would get it killed before it finished draining.
 */
export function refuseWhileDraining(app: FastifyInstance, drain: DrainState): void {
  app.addHook('onRequest', async (request) => {
    if (drain.draining && request.routeOptions.url !== LIVENESS_URL) throw shuttingDown();
  });
}

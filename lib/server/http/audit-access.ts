import type { FastifyRequest } from 'fastify';
import { notFound } from '@/lib/server/domain/errors';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The one gate of operator-only endpoints (the audit): until ADMIN_TOKEN access exists, only
 * requests from this machine (the client IP, so behind TRUST_PROXY the forwarded one) pass; others
 * get 404 as if the route did not exist. At merge with admin access, this becomes that check.
 */
export function assertOperatorAccess(request: FastifyRequest): void {
  if (!LOOPBACK.test(request.ip)) throw notFound('route');
}

import type { Reply } from '@/lib/server/domain/idempotency';
import type { RouteResult } from './route';

/** A domain reply as HTTP; a replayed idempotent reply says so in a header. */
export const fromReply = (reply: Reply): RouteResult => ({
  status: reply.status,
  body: reply.body,
  headers: reply.replayed ? { 'idempotent-replayed': 'true' } : undefined,
  outcome: reply.replayed ? 'replayed' : undefined,
});

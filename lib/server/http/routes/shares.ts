import { metricsSnapshotSchema, shareRequestSchema } from '@/lib/contracts/metrics';
import { recordShare } from '@/lib/server/domain/record-share';
import { fromReply } from '../reply';
import { defineRoute } from '../route';

// POST /api/expose/share — +1 share with its channel, once per Idempotency-Key.
export const shareRoute = defineRoute({
  method: 'POST',
  url: '/api/expose/share',
  body: shareRequestSchema,
  rateLimit: 'share',
  audit: 'share',
  write: 'share',
  idempotent: true,
  summary: '+1 share with its channel (once per Idempotency-Key)',
  response: { 200: metricsSnapshotSchema },
  errors: ['not_found', 'expired', 'unavailable'],
  challenge: 'share',
  handler: async ({ body, sessionId, ip, idempotencyKey, challengeSolution, container }) => {
    const reply = await recordShare(container, { ...body, sessionId, ip, idempotencyKey, challengeSolution });
    return reply.overIpCap ? { ...fromReply(reply), outcome: 'over_ip_cap' } : fromReply(reply);
  },
});

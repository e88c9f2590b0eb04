import { viewRequestSchema, viewResponseSchema } from '@/lib/contracts/metrics';
import { recordView } from '@/lib/server/domain/record-view';
import { defineRoute } from '../route';

// POST /api/expose/views — counts a view once per viewer per expose per 24 h; bots never count.
export const viewRoute = defineRoute({
  method: 'POST',
  url: '/api/expose/views',
  body: viewRequestSchema,
  rateLimit: 'view',
  audit: 'view',
  summary: 'Count a view once per viewer per expose per 24 h (bots never count)',
  response: { 200: viewResponseSchema },
  errors: ['not_found', 'expired', 'unavailable'],
  write: 'view',
  handler: async ({ body, sessionId, ip, userAgent, container }) => {
    const { reply, outcome } = await recordView(container, { exposeId: body.exposeId, sessionId, ip, userAgent });
    return { body: reply, outcome };
  },
});

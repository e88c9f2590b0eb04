import { auditQuerySchema, auditResponseSchema } from '@/lib/contracts/audit';
import { readAudit } from '@/lib/server/domain/read-audit';
import { defineRoute } from '../route';

// GET /api/expose/audit?exposeId= — counted and dropped writes per UTC day and kind; admin only.
export const auditRoute = defineRoute({
  method: 'GET',
  url: '/api/expose/audit',
  querystring: auditQuerySchema,
  rateLimit: 'read',
  admin: true,
  summary: 'Counted and dropped writes of one expose per UTC day and kind (admin only)',
  response: { 200: auditResponseSchema },
  errors: ['unauthorized', 'forbidden', 'not_found'],
  handler: async ({ query, container }) => ({
    body: await readAudit(container, query.exposeId),
    headers: { 'cache-control': 'no-store' },
  }),
});

import { auditQuerySchema } from '@/lib/contracts/audit';
import { readAudit } from '@/lib/server/domain/read-audit';
import { assertOperatorAccess } from '../audit-access';
import { defineRoute } from '../route';

// GET /api/expose/audit?exposeId= — counted and dropped writes per UTC day and kind (operators only).
export const auditRoute = defineRoute({
  method: 'GET',
  url: '/api/expose/audit',
  querystring: auditQuerySchema,
  rateLimit: 'read',
  handler: async ({ query, container, request, reply }) => {
    assertOperatorAccess(request);
    reply.header('cache-control', 'no-store');
    return { body: await readAudit(container, query.exposeId) };
  },
});

import { adminLoginRequestSchema } from '@/lib/contracts/admin';
import { logIn } from '../admin-auth';
import { defineRoute } from '../route';

// POST /api/admin/login — the ADMIN_TOKEN in the body sets the admin cookie (204); rate-limited per IP.
export const adminLoginRoute = defineRoute({
  method: 'POST',
  url: '/api/admin/login',
  body: adminLoginRequestSchema,
  rateLimit: 'adminLogin',
  summary: 'Admin login: the right ADMIN_TOKEN sets the HttpOnly admin cookie',
  response: { 204: { description: 'Logged in; the `ec_admin` cookie is set (no body)' } },
  errors: ['unauthorized', 'forbidden'],
  handler: async ({ body, request, reply, container }) => {
    logIn(request, reply, container.config, body.token);
    reply.header('cache-control', 'no-store');
    return { status: 204, body: null };
  },
});

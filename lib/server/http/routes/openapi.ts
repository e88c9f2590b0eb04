import { z } from 'zod';
import { defineRoute } from '../route';

// GET /api/openapi.json — the OpenAPI 3.1 document of this API, generated from the route schemas.
export const openapiRoute = defineRoute({
  method: 'GET',
  url: '/api/openapi.json',
  summary: 'This document',
  response: { 200: z.object({ openapi: z.string(), info: z.object({}).passthrough(), paths: z.record(z.string(), z.unknown()) }).passthrough() },
  handler: async ({ request, reply }) => {
    reply.header('cache-control', 'public, max-age=300');
    return { body: request.server.swagger() };
  },
});

import { z } from 'zod';
import { defineRoute } from '@/lib/server/http/route';

/** A handler that fails with an unknown error, as a bug would: the tests' only way to a 500. */
export const boomRoute = defineRoute({
  method: 'GET',
  url: '/api/test/boom',
  summary: 'Test only: fails like a bug',
  response: { 200: z.object({}) },
  handler: async () => {
    throw new Error('boom: internal detail that must stay in the log');
  },
});

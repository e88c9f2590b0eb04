import { metricsSnapshotSchema, voteRequestSchema } from '@/lib/contracts/metrics';
import { recordVote } from '@/lib/server/domain/record-vote';
import { defineRoute } from '../route';

// POST /api/expose/vote — sets the caller's vote to the named state; the same state again is a no-op.
export const voteRoute = defineRoute({
  method: 'POST',
  url: '/api/expose/vote',
  body: voteRequestSchema,
  rateLimit: 'vote',
  audit: 'vote',
  summary: "Set the caller's vote to a state (the same state again is a no-op)",
  response: { 200: metricsSnapshotSchema },
  errors: ['not_found', 'expired', 'unavailable'],
  challenge: 'vote',
  write: 'vote',
  handler: async ({ body, sessionId, ip, challengeSolution, container }) => {
    const { snapshot, changed, overIpCap } = await recordVote(container, { ...body, sessionId, ip, challengeSolution });
    return { body: snapshot, outcome: overIpCap ? 'over_ip_cap' : changed ? 'applied' : 'no_change' };
  },
});

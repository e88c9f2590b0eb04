import { z } from 'zod';
import { exposeIdSchema } from './common';

export const auditQuerySchema = z.object({ exposeId: exposeIdSchema }).strict();

/** One expose's writes of one kind on one UTC day: requests = counted + the sum of dropped. */
export const auditDaySchema = z.object({
  day: z.string(),
  kind: z.enum(['vote', 'view', 'share']),
  requests: z.number().int(),
  counted: z.number().int(),
  /** By reason (no_change, replayed, duplicate_view, bot, rate_limited, over_ip_cap, challenge_required, challenge_failed, expired). */
  dropped: z.record(z.string(), z.number().int()),
});
export type AuditDay = z.infer<typeof auditDaySchema>;

export const auditResponseSchema = z.object({ exposeId: exposeIdSchema, days: z.array(auditDaySchema) });
export type AuditResponse = z.infer<typeof auditResponseSchema>;

import { z } from 'zod';
import { exposeIdSchema } from './common';

export const auditQuerySchema = z.object({ exposeId: exposeIdSchema }).strict();

/** One expose's writes of one kind on one UTC day: requests = counted + the sum of dropped. */
export interface AuditDay {
  day: string;
  kind: 'vote' | 'view' | 'share';
  requests: number;
  counted: number;
  dropped: Record<string, number>;
}

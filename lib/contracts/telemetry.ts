import { z } from 'zod';
import {
  ERROR_CLASS_PATTERN,
  TELEMETRY_MAX_ERRORS,
  TELEMETRY_MAX_OPS,
  TELEMETRY_MAX_VITALS,
  TELEMETRY_OP_KINDS,
  TELEMETRY_OUTCOMES,
  WEB_VITAL_NAMES,
  type TelemetryBatch,
} from './telemetry-shape';
import { TELEMETRY_MAX_EXPERIMENTS } from './experiments-shape';

const count = z.number().int().min(0).max(100);

/** POST /api/telemetry (telemetry-shape.ts has the browser's copy of this shape). */
export const telemetryBatchSchema = z
  .object({
    ops: z
      .array(
        z
          .object({
            kind: z.enum(TELEMETRY_OP_KINDS),
            outcome: z.enum(TELEMETRY_OUTCOMES),
            attempts: count,
            retries: count,
            timeouts: count,
            exhausted: z.boolean(),
            latencyMs: z.number().min(0).max(3_600_000).nullable(),
          })
          .strict(),
      )
      .max(TELEMETRY_MAX_OPS),
    vitals: z
      .array(z.object({ name: z.enum(WEB_VITAL_NAMES), value: z.number().min(0).max(3_600_000) }).strict())
      .max(TELEMETRY_MAX_VITALS),
    errors: z
      .array(z.object({ errorClass: z.string().regex(ERROR_CLASS_PATTERN), count: z.number().int().min(1).max(1000) }).strict())
      .max(TELEMETRY_MAX_ERRORS),
    heapBytes: z.number().int().min(0).max(2 ** 40).optional(),
    experiments: z
      .array(z.object({ experiment: z.string().min(1).max(48), variant: z.string().min(1).max(48) }).strict())
      .max(TELEMETRY_MAX_EXPERIMENTS)
      .optional(),
  })
  .strict();

// The schema and the browser's interface must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof telemetryBatchSchema>, TelemetryBatch> = true;
void sameShape;

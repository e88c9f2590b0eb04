// The experiments' wire shapes as the browser reads them, in a module without zod (see
// telemetry-shape.ts): lib/contracts/experiments.ts validates the same shapes on the server.

export const EXPERIMENTS_PATH = '/api/experiments';
export const EXPOSURES_PATH = '/api/experiments/exposures';

/** The MetricsPolicy fields an experiment may override (lib/metrics-client/policy.ts). */
export const POLICY_OVERRIDE_FIELDS = ['voteDebounceMs', 'requestTimeoutMs', 'retryDelaysMs', 'refreshIntervalMs'] as const;
export type PolicyOverrideField = (typeof POLICY_OVERRIDE_FIELDS)[number];

export interface PolicyOverridesShape {
  voteDebounceMs?: number;
  requestTimeoutMs?: number;
  retryDelaysMs?: number[];
  refreshIntervalMs?: number;
}

/** GET /api/experiments: one entry per running experiment the session is in. */
export interface AssignmentShape {
  experiment: string;
  variant: string;
  policy: PolicyOverridesShape;
}

/** An experiment and the variant a session was exposed to (telemetry batches carry these). */
export interface ExposedVariant {
  experiment: string;
  variant: string;
}

/** A telemetry batch names at most this many exposed variants. */
export const TELEMETRY_MAX_EXPERIMENTS = 20;

import {
  EXPERIMENTS_PATH,
  EXPOSURES_PATH,
  POLICY_OVERRIDE_FIELDS,
  type AssignmentShape,
  type ExposedVariant,
  type PolicyOverrideField,
  type PolicyOverridesShape,
} from '@/lib/contracts/experiments-shape';
import type { MetricsPolicy } from './policy';
import { runWithRetries, type RunnerDeps } from './request-runner';

/**
 * The page's side of A/B experiments (docs/EXPERIMENTS.md): the session's assignments come from
 * GET /api/experiments once, when the engine starts; their policy overrides then replace the
 * defaults (until they arrive, everything runs on the defaults). An experiment counts this session
 * as exposed when a value its variant overrides is first used (`affect`), and says so to the server
 * once (POST /api/experiments/exposures); only then does the engine emit `exposed`, and telemetry
 * tags its batches with the variant.
 */
export interface ExperimentHost {
  deps: RunnerDeps;
  /** The policy built from the defaults and the assignments' overrides. */
  setPolicy(policy: MetricsPolicy): void;
  /** How many requests have left without a session cookie so far (each may bring a new session). */
  cookielessRequests(): number;
  /** Settles when no request without a session cookie is in flight any more. */
  sessionSettled(): Promise<void>;
  exposed(e: ExposedVariant): void;
}

const isMs = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The server's bounds (lib/contracts/experiments.ts), so a bad value never reaches a timer. */
const VALID: Record<PolicyOverrideField, (v: unknown) => boolean> = {
  voteDebounceMs: (v) => isMs(v, 0, 5_000),
  requestTimeoutMs: (v) => isMs(v, 1_000, 60_000),
  retryDelaysMs: (v) => Array.isArray(v) && v.length <= 3 && v.every((d) => isMs(d, 0, 30_000)),
  refreshIntervalMs: (v) => isMs(v, 1_000, 600_000),
};

function readPolicy(raw: unknown): PolicyOverridesShape | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const out: Record<string, unknown> = {};
  for (const field of POLICY_OVERRIDE_FIELDS) {
    const v = (raw as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (!VALID[field](v)) return null;
    out[field] = v;
  }
  return out as PolicyOverridesShape;
}

/** GET /api/experiments' body, or null when malformed. An entry with a bad policy is left out. */
export function readAssignments(body: unknown): AssignmentShape[] | null {
  const list = (body as { assignments?: unknown } | null)?.assignments;
  if (!Array.isArray(list)) return null;
  const out: AssignmentShape[] = [];
  for (const a of list as Array<Record<string, unknown> | null>) {
    const policy = readPolicy(a?.policy);
    if (typeof a?.experiment !== 'string' || typeof a.variant !== 'string' || !policy) continue;
    out.push({ experiment: a.experiment, variant: a.variant, policy });
  }
  return out;
}

/**
 * Which assignment decides each field: the first that overrides it (two running experiments that
 * override one field would confound each other; the second is then never exposed through it).
 */
function owners(assignments: readonly AssignmentShape[]): Map<PolicyOverrideField, AssignmentShape> {
  const map = new Map<PolicyOverrideField, AssignmentShape>();
  for (const a of assignments) {
    for (const field of POLICY_OVERRIDE_FIELDS) if (a.policy[field] !== undefined && !map.has(field)) map.set(field, a);
  }
  return map;
}

export function applyOverrides(base: MetricsPolicy, assignments: readonly AssignmentShape[]): MetricsPolicy {
  const policy: Record<string, unknown> = { ...base };
  for (const [field, a] of owners(assignments)) policy[field] = a.policy[field];
  return Object.freeze(policy) as unknown as MetricsPolicy;
}

export class ExperimentSession {
  private owner = new Map<PolicyOverrideField, AssignmentShape>();
  private assignments: AssignmentShape[] = [];
  private readonly reported = new Set<string>();
  private loaded = false;

  constructor(
    private readonly host: ExperimentHost,
    private readonly base: MetricsPolicy,
  ) {}

  /**
   * Asks for this session's assignments once; a failure leaves the defaults (no experiment). A
   * first-time visitor has no session yet: this request creates one, but so does every other
   * request that leaves without a cookie meanwhile, and the browser keeps the last cookie set. The
   * assignments are then those of a session the browser no longer holds, so they are asked again.
   */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const get = () => runWithRetries({ method: 'GET', path: EXPERIMENTS_PATH }, readAssignments, this.host.deps);
    const before = this.host.cookielessRequests();
    let res = await get();
    if (res.ok && this.host.cookielessRequests() > before) {
      await this.host.sessionSettled();
      if (this.host.cookielessRequests() > before + 1) res = await get();
    }
    if (!res.ok || res.value.length === 0 || this.host.deps.lifetime.aborted) return;
    this.assignments = res.value;
    this.owner = owners(res.value);
    this.host.setPolicy(applyOverrides(this.base, res.value));
  }

  /** The session's assignments (empty until they arrived, or when it is in no experiment). */
  get current(): readonly AssignmentShape[] {
    return this.assignments;
  }

  /**
   * The variant's value of `field` is being used now: its experiment's exposure is reported, once.
   * The server records it once per session too, so a retried report never counts twice.
   */
  affect(field: PolicyOverrideField): void {
    const a = this.owner.get(field);
    if (!a || this.reported.has(a.experiment)) return;
    this.reported.add(a.experiment);
    const exposure = { experiment: a.experiment, variant: a.variant };
    void runWithRetries({ method: 'POST', path: EXPOSURES_PATH, body: exposure }, (b) => (typeof b === 'object' && b !== null ? b : null), this.host.deps).then(
      (res) => {
        if (res.ok && !this.host.deps.lifetime.aborted) this.host.exposed(exposure);
      },
    );
  }
}

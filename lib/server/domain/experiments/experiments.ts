import type { ExperimentAssignment, ExperimentDefinition, ExperimentStatus, ExperimentSummary } from '@/lib/contracts/experiments';
import type { ExposedVariant } from '@/lib/contracts/experiments-shape';
import type { TelemetryOp } from '@/lib/contracts/telemetry-shape';
import type { ExperimentStore } from '@/lib/server/store/port';
import { DomainError, invalidInput, notFound } from '../errors';
import { assignVariant } from './assignment';
import { outcomeRows } from './outcomes';
import { summarise } from './results';

/**
 * Experiments of the client's update strategy: definitions come from the versioned file
 * (experiments.json, parsed at start-up), their state (draft, running, paused, stopped) from the
 * database so that every instance agrees. States are cached for `stateTtlMs`, so an admin's start or
 * pause reaches every instance within that time and assignment costs no query per request.
 */
export interface Experiments {
  /** The variants of `sessionId` in every active experiment it is included in. */
  assignments(sessionId: string): Promise<ExperimentAssignment[]>;
  /** Records the exposure once; the variant must be the session's own. Returns whether it was new. */
  recordExposure(sessionId: string, experiment: string, variant: string): Promise<boolean>;
  /**
   * Adds one telemetry batch of a session to the experiments it names. Only a session exposed to
   * that very variant takes it (the store checks); returns how many experiments took it.
   */
  recordOutcomes(sessionId: string, exposed: readonly ExposedVariant[], ops: readonly TelemetryOp[]): Promise<number>;
  act(key: string, action: 'start' | 'pause' | 'stop'): Promise<ExperimentSummary>;
  summaries(): Promise<ExperimentSummary[]>;
}

interface State {
  status: ExperimentStatus;
  weights: number[];
  startedAt: Date | null;
}

const TRANSITIONS: Record<'start' | 'pause' | 'stop', { from: readonly ExperimentStatus[]; to: ExperimentStatus }> = {
  start: { from: ['draft', 'paused', 'running'], to: 'running' },
  pause: { from: ['running', 'paused'], to: 'paused' },
  stop: { from: ['draft', 'running', 'paused', 'stopped'], to: 'stopped' },
};

export function createExperiments(deps: {
  store: ExperimentStore;
  definitions: readonly ExperimentDefinition[];
  now: () => Date;
  stateTtlMs?: number;
}): Experiments {
  const defs = new Map(deps.definitions.map((d) => [d.key, d]));
  const ttl = deps.stateTtlMs ?? 2_000;
  let cache: { at: number; states: Promise<Map<string, State>> } | undefined;

  const configWeights = (def: ExperimentDefinition) => def.variants.map((v) => v.weight);

  async function load(): Promise<Map<string, State>> {
    const rows = await deps.store.readExperimentStates();
    const states = new Map<string, State>();
    for (const def of deps.definitions) {
      const row = rows.find((r) => r.key === def.key);
      const status = (row?.status ?? 'draft') as ExperimentStatus;
      // A started experiment keeps the weights it started with, whatever the file says now, as long as
      // the variant count is the same (a changed variant list is a new experiment: new key or seed).
      const frozen = row?.weights && row.weights.length === def.variants.length ? row.weights : null;
      states.set(def.key, { status, weights: frozen ?? configWeights(def), startedAt: row?.startedAt ?? null });
    }
    return states;
  }

  function states(fresh = false): Promise<Map<string, State>> {
    const at = deps.now().getTime();
    if (fresh || !cache || at - cache.at >= ttl) {
      const loading = load();
      cache = { at, states: loading };
      loading.catch(() => (cache = undefined));
    }
    return cache.states;
  }

  const isActive = (def: ExperimentDefinition, state: State, now: Date): boolean =>
    state.status === 'running' &&
    (def.startAt === undefined || now >= new Date(def.startAt)) &&
    (def.stopAt === undefined || now < new Date(def.stopAt));

  function variantOf(def: ExperimentDefinition, state: State, sessionId: string) {
    const i = assignVariant(def.seed ?? def.key, sessionId, state.weights, def.traffic);
    return i === -1 ? undefined : def.variants[i];
  }

  async function summary(def: ExperimentDefinition, state: State): Promise<ExperimentSummary> {
    const data = await deps.store.readExperimentAggregates(def.key);
    return summarise(def, { ...state, active: isActive(def, state, deps.now()) }, data);
  }

  return {
    async assignments(sessionId) {
      const now = deps.now();
      const all = await states();
      const out: ExperimentAssignment[] = [];
      for (const def of deps.definitions) {
        const state = all.get(def.key)!;
        if (!isActive(def, state, now)) continue;
        const variant = variantOf(def, state, sessionId);
        if (variant) out.push({ experiment: def.key, variant: variant.key, policy: variant.policy });
      }
      return out;
    },

    async recordExposure(sessionId, experiment, variant) {
      const def = defs.get(experiment);
      if (!def) throw notFound('experiment');
      const now = deps.now();
      const state = (await states()).get(experiment)!;
      if (!isActive(def, state, now)) throw new DomainError('invalid_input', 'This experiment is not running.');
      if (variantOf(def, state, sessionId)?.key !== variant) throw invalidInput('This session is not in that variant.');
      return deps.store.insertExposure({ experimentKey: experiment, sessionId, variant, at: now });
    },

    async recordOutcomes(sessionId, exposed, ops) {
      const rows = outcomeRows(sessionId, exposed.filter((e) => defs.has(e.experiment)), ops);
      return rows.length === 0 ? 0 : deps.store.addExperimentOutcomes(rows);
    },

    async act(key, action) {
      const def = defs.get(key);
      if (!def) throw notFound('experiment');
      const state = (await states(true)).get(key)!;
      const rule = TRANSITIONS[action];
      if (!rule.from.includes(state.status)) {
        throw invalidInput(`A ${state.status} experiment cannot be ${action === 'stop' ? 'stopped' : `${action}ed`}.`);
      }
      const next: State = {
        status: rule.to,
        weights: state.weights,
        startedAt: state.startedAt ?? (rule.to === 'running' ? deps.now() : null),
      };
      await deps.store.writeExperimentState(
        { key, status: next.status, weights: next.startedAt ? next.weights : null, startedAt: next.startedAt },
        deps.now(),
      );
      cache = undefined;
      return summary(def, next);
    },

    async summaries() {
      const all = await states(true);
      return Promise.all(deps.definitions.map((def) => summary(def, all.get(def.key)!)));
    },
  };
}

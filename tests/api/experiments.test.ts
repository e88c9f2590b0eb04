import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentDefinition, ExperimentSummary } from '@/lib/contracts/experiments';
import { assignVariant } from '@/lib/server/domain/experiments/assignment';
import type { Store } from '@/lib/server/store/port';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { JSON_HEADERS } from '../helpers/http';

const DEBOUNCE: ExperimentDefinition = {
  key: 'debounce-test',
  description: 'Vote debounce 300 ms against 0 ms',
  variants: [
    { key: 'control', weight: 1, policy: { voteDebounceMs: 300 } },
    { key: 'immediate', weight: 1, policy: { voteDebounceMs: 0 } },
  ],
  traffic: 1,
  primaryMetric: 'engagement',
  plan: { exposuresPerVariant: 3 },
};

// One secret for every instance of a run, so a cookie set by one is valid on the others.
const SESSION_SECRET = `experiments-test-${Date.now()}-0123456789abcdef0123`;
const open = (store: Store, experiments: ExperimentDefinition[] = [DEBOUNCE], env: Record<string, string> = {}) =>
  createTestApp(store, { env: { RATE_LIMITS: '0', SESSION_SECRET, ...env }, overrides: { experiments } });

/** A new visitor: its session cookie and its assignments. */
async function visitor(t: TestApp) {
  const res = await t.app.inject({ method: 'GET', url: '/api/experiments' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('private, no-store');
  const cookie = sessionCookieOf(res);
  return { cookie, sessionId: decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!, assignments: res.json().assignments };
}

const assignmentsOf = async (t: TestApp, cookie: string) =>
  (await t.app.inject({ method: 'GET', url: '/api/experiments', headers: { cookie } })).json().assignments;

const expose = (t: TestApp, cookie: string, experiment: string, variant: string) =>
  t.app.inject({ method: 'POST', url: '/api/experiments/exposures', headers: { ...JSON_HEADERS, cookie }, payload: JSON.stringify({ experiment, variant }) });

const act = (t: TestApp, key: string, action: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/admin/experiments/${key}/${action}`, headers: { ...JSON_HEADERS, ...headers }, payload: '{}' });

const list = async (t: TestApp): Promise<ExperimentSummary[]> => (await t.app.inject({ method: 'GET', url: '/api/admin/experiments' })).json().experiments;

describe.each(testDatabases())('experiments on $name', (database) => {
  let store: Store;
  let t: TestApp;
  beforeAll(async () => {
    store = await database.open();
    t = await open(store);
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  it('a draft experiment assigns nobody and takes no exposure', async () => {
    const v = await visitor(t);
    expect(v.assignments).toEqual([]);
    const res = await expose(t, v.cookie, DEBOUNCE.key, 'control');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_input');
    expect((await list(t))[0]).toMatchObject({ key: DEBOUNCE.key, status: 'draft', active: false });
    expect((await list(t))[0]!.variants.map((x) => x.exposures)).toEqual([0, 0]);
  });

  it('started: each session gets its deterministic variant with the policy, the same on every call and instance', async () => {
    const started = await act(t, DEBOUNCE.key, 'start');
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({ status: 'running', active: true });
    const other = await open(store);
    try {
      for (let i = 0; i < 12; i += 1) {
        const v = await visitor(t);
        const expected = DEBOUNCE.variants[assignVariant(DEBOUNCE.key, v.sessionId, [1, 1], 1)]!;
        expect(v.assignments).toEqual([{ experiment: DEBOUNCE.key, variant: expected.key, policy: expected.policy }]);
        expect(await assignmentsOf(t, v.cookie)).toEqual(v.assignments);
        expect(await assignmentsOf(other, v.cookie)).toEqual(v.assignments);
      }
    } finally {
      await other.close();
    }
  });

  it('records an exposure once per session, only for its own variant', async () => {
    const v = await visitor(t);
    const mine = v.assignments[0].variant as string;
    const wrong = mine === 'control' ? 'immediate' : 'control';
    const before = (await list(t))[0]!.variants.map((x) => x.exposures);

    const forged = await expose(t, v.cookie, DEBOUNCE.key, wrong);
    expect(forged.statusCode).toBe(400);
    expect((await expose(t, v.cookie, 'no-such-experiment', mine)).statusCode).toBe(404);
    expect((await expose(t, v.cookie, DEBOUNCE.key, 'Bad Variant!')).statusCode).toBe(400);

    expect((await expose(t, v.cookie, DEBOUNCE.key, mine)).json()).toEqual({ recorded: true });
    expect((await expose(t, v.cookie, DEBOUNCE.key, mine)).json()).toEqual({ recorded: false });
    const after = (await list(t))[0]!.variants.map((x) => x.exposures);
    const i = DEBOUNCE.variants.findIndex((x) => x.key === mine);
    expect(after[i]).toBe(before[i]! + 1);
    expect(after[1 - i]).toBe(before[1 - i]);
  });

  it('pause stops assignment and exposure; start resumes; stop is final', async () => {
    const v = await visitor(t);
    expect((await act(t, DEBOUNCE.key, 'pause')).json()).toMatchObject({ status: 'paused', active: false });
    expect(await assignmentsOf(t, v.cookie)).toEqual([]);
    expect((await expose(t, v.cookie, DEBOUNCE.key, 'control')).statusCode).toBe(400);
    expect((await act(t, DEBOUNCE.key, 'start')).json()).toMatchObject({ status: 'running' });
    expect(await assignmentsOf(t, v.cookie)).toHaveLength(1);
    expect((await act(t, 'no-such-experiment', 'start')).statusCode).toBe(404);
    expect((await act(t, DEBOUNCE.key, 'launch')).statusCode).toBe(400);
  });
});

describe.each(testDatabases())('experiment results on $name', (database) => {
  let store: Store;
  let t: TestApp;
  beforeAll(async () => {
    store = await database.open();
    t = await open(store);
    await act(t, DEBOUNCE.key, 'start');
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  it('turns exposures and outcomes into per-variant figures and a Welch comparison', async () => {
    // Three sessions per variant with known outcomes; find sessions of each variant by asking.
    const byVariant: Record<string, { sessionId: string; cookie: string }[]> = { control: [], immediate: [] };
    while (byVariant.control!.length < 3 || byVariant.immediate!.length < 3) {
      const v = await visitor(t);
      const key = v.assignments[0].variant as string;
      if (byVariant[key]!.length < 3) byVariant[key]!.push(v);
    }
    for (const list of Object.values(byVariant)) for (const v of list) await expose(t, v.cookie, DEBOUNCE.key, list === byVariant.control ? 'control' : 'immediate');
    // control: 1, 2, 3 votes; immediate: 4, 5, 9 votes (+1 share for the first); operations and rollbacks.
    const outcome = (variant: string, sessionId: string, votes: number, shares: number, operations: number, rolledBack: number, retries: number, latency: { leMs: number; n: number }[] = []) => ({
      experimentKey: DEBOUNCE.key, sessionId, variant, votes, shares, comments: 0, views: 0, operations, rolledBack, retries, latency,
    });
    const c = byVariant.control!;
    const m = byVariant.immediate!;
    const slow = [{ leMs: 10_000, n: 100 }];
    const taken = await store.addExperimentOutcomes([
      outcome('control', c[0]!.sessionId, 1, 0, 10, 1, 2, [{ leMs: 500, n: 8 }, { leMs: 1000, n: 2 }]),
      outcome('control', c[1]!.sessionId, 2, 0, 10, 0, 0),
      outcome('control', c[2]!.sessionId, 3, 0, 20, 1, 1),
      outcome('immediate', m[0]!.sessionId, 4, 1, 20, 2, 4, [{ leMs: 100, n: 9 }, { leMs: 250, n: 1 }]),
      outcome('immediate', m[1]!.sessionId, 5, 0, 20, 2, 4),
      outcome('immediate', m[2]!.sessionId, 9, 0, 20, 2, 4),
      // Ignored, latency included: a session under a variant it was not exposed to, and an unexposed session.
      outcome('immediate', c[1]!.sessionId, 100, 0, 100, 100, 100, slow),
      outcome('control', 'never-exposed-session-id-00', 100, 0, 100, 100, 100, slow),
    ]);
    expect(taken).toBe(6);
    const [summary] = await list(t);
    const [control, immediate] = summary!.variants;
    expect(control).toMatchObject({ key: 'control', exposures: 3, operations: 40, rollbackRatio: 2 / 40, retriesPerOperation: 3 / 40, ackLatencyMs: { p50: 500, p95: 1000 } });
    expect(control!.engagement.votes).toBeCloseTo(2, 10);
    expect(immediate).toMatchObject({ key: 'immediate', exposures: 3, operations: 60, rollbackRatio: 6 / 60, ackLatencyMs: { p50: 100, p95: 250 } });
    expect(immediate!.engagement.total).toBeCloseTo(19 / 3, 10);
    // Welch on totals per session: control 1, 2, 3 (mean 2, var 1); immediate 5, 5, 9 (mean 19/3, var 16/3).
    // t = (19/3 - 2) / sqrt(1/3 + 16/9) = 4.3333 / 1.4530 = 2.9824; df = (19/9)² / ((1/3)²/2 + (16/9)²/2) = 2.7217.
    const engagement = immediate!.comparisons.find((x) => x.metric === 'engagement')!;
    expect(engagement.absoluteLift).toBeCloseTo(13 / 3, 10);
    expect(engagement.pValue).toBeGreaterThan(0.05);
    expect(engagement.pValue).toBeLessThan(0.07);
    const rollback = immediate!.comparisons.find((x) => x.metric === 'rollback_ratio')!;
    expect(rollback.absoluteLift).toBeCloseTo(0.05, 10);
    expect(summary).toMatchObject({ plannedExposuresPerVariant: 3, conclusive: true, srm: { mismatch: false } });
  });

  it('flags a skewed split as a sample-ratio mismatch', async () => {
    for (let i = 0; i < 400; i += 1) {
      await store.insertExposure({ experimentKey: DEBOUNCE.key, sessionId: `skew-${i}`, variant: i % 4 === 0 ? 'control' : 'immediate', at: new Date() });
    }
    const [summary] = await list(t);
    expect(summary!.srm.mismatch).toBe(true);
    expect(summary!.conclusive).toBe(false);
  });

  it('keeps the weights it started with when the file changes, so nobody moves', async () => {
    const v = await visitor(t);
    const reweighted = await open(store, [{ ...DEBOUNCE, variants: [{ ...DEBOUNCE.variants[0]!, weight: 1 }, { ...DEBOUNCE.variants[1]!, weight: 9 }] }]);
    try {
      for (let i = 0; i < 20; i += 1) {
        const w = await visitor(t);
        expect(await assignmentsOf(reweighted, w.cookie)).toEqual(w.assignments);
      }
      expect(await assignmentsOf(reweighted, v.cookie)).toEqual(v.assignments);
      expect((await list(reweighted))[0]!.variants.map((x) => x.weight)).toEqual([1, 1]);
    } finally {
      await reweighted.close();
    }
  });

  it('stop is final', async () => {
    expect((await act(t, DEBOUNCE.key, 'stop')).json()).toMatchObject({ status: 'stopped', active: false });
    const res = await act(t, DEBOUNCE.key, 'start');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/stopped/);
  });
});

const telemetryOp = (kind: string, outcome: string, latencyMs: number | null, retries = 0) => ({
  kind, outcome, attempts: outcome === 'dropped' ? 0 : 1 + retries, retries, timeouts: 0, exhausted: false, latencyMs,
});
const postTelemetry = (t: TestApp, cookie: string, body: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/telemetry', headers: { ...JSON_HEADERS, cookie }, payload: JSON.stringify(body) });

describe.each(testDatabases())('experiment outcomes from client telemetry on $name', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await open(await database.open());
    await act(t, DEBOUNCE.key, 'start');
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  it('adds a tagged batch to the exposed variant only; untagged, unexposed and wrong-variant batches add nothing', async () => {
    const v = await visitor(t);
    const variant = v.assignments[0].variant as string;
    const other = variant === 'control' ? 'immediate' : 'control';
    const batch = {
      ops: [
        telemetryOp('vote', 'acknowledged', 80),
        telemetryOp('vote', 'acknowledged', 120, 1),
        telemetryOp('view', 'acknowledged', 300),
        telemetryOp('share', 'rolled_back', null, 3),
        telemetryOp('vote', 'dropped', null),
      ],
      vitals: [],
      errors: [],
    };
    // Before its exposure the session's tagged batch is ignored (the store finds no exposed row).
    expect((await postTelemetry(t, v.cookie, { ...batch, experiments: [{ experiment: DEBOUNCE.key, variant }] })).statusCode).toBe(204);
    expect((await expose(t, v.cookie, DEBOUNCE.key, variant)).json()).toEqual({ recorded: true });
    expect((await postTelemetry(t, v.cookie, { ...batch, experiments: [{ experiment: DEBOUNCE.key, variant }] })).statusCode).toBe(204);
    expect((await postTelemetry(t, v.cookie, batch)).statusCode).toBe(204);
    expect((await postTelemetry(t, v.cookie, { ...batch, experiments: [{ experiment: DEBOUNCE.key, variant: other }] })).statusCode).toBe(204);
    expect((await postTelemetry(t, v.cookie, { ...batch, experiments: [{ experiment: 'no-such-experiment', variant }] })).statusCode).toBe(204);
    const stranger = await visitor(t);
    expect((await postTelemetry(t, stranger.cookie, { ...batch, experiments: [{ experiment: DEBOUNCE.key, variant: stranger.assignments[0].variant }] })).statusCode).toBe(204);

    const [summary] = await list(t);
    const mine = summary!.variants.find((x) => x.key === variant)!;
    const theirs = summary!.variants.find((x) => x.key === other)!;
    // Once: 3 acknowledged (2 votes, 1 view) of 4 ended ops (the dropped one never needed sending), 1 rollback, 4 retries.
    expect(mine).toMatchObject({ exposures: 1, operations: 4, rollbackRatio: 1 / 4, retriesPerOperation: 1, ackLatencyMs: { p50: 250, p95: 500 } });
    expect(mine.engagement).toEqual({ votes: 2, shares: 0, comments: 0, views: 1, total: 3 });
    expect(theirs).toMatchObject({ exposures: 0, operations: 0, ackLatencyMs: { p50: null, p95: null } });
  });

  it('refuses a malformed experiments tag with 400 and keeps nothing of the batch', async () => {
    const v = await visitor(t);
    const variant = v.assignments[0].variant as string;
    await expose(t, v.cookie, DEBOUNCE.key, variant);
    const before = await list(t);
    const ops = [telemetryOp('vote', 'acknowledged', 80)];
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ experiment: `e-${i}`, variant }));
    for (const experiments of [tooMany, [{ experiment: DEBOUNCE.key }], [{ experiment: DEBOUNCE.key, variant, extra: 1 }], 'vote-debounce']) {
      const res = await postTelemetry(t, v.cookie, { ops, vitals: [], errors: [], experiments });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
    expect(await list(t)).toEqual(before);
  });
});

describe('experiment admin endpoints with ADMIN_TOKEN', () => {
  const [database] = testDatabases();
  let t: TestApp;
  beforeAll(async () => {
    t = await open(await database!.open(), [DEBOUNCE], { ADMIN_TOKEN: 'admin-token-for-tests-0123456789' });
  });
  afterAll(async () => {
    await t.close();
    await database!.cleanup();
  });

  it('refuses a caller without the admin cookie, changing nothing', async () => {
    expect((await act(t, DEBOUNCE.key, 'start')).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/experiments' })).statusCode).toBe(401);
    expect((await visitor(t)).assignments).toEqual([]);
  });
});

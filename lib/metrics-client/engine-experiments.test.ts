import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryBatch } from '@/lib/contracts/telemetry-shape';
import { applyOverrides, readAssignments } from './experiments';
import { DEFAULT_POLICY } from './policy';
import { TelemetryCollector } from './telemetry';
import { errorBody, json, snap, type FakeCall } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';
const flush = () => vi.advanceTimersByTimeAsync(0);
const votes = (calls: FakeCall[]) => calls.filter((c) => c.path === '/api/expose/vote');
const exposures = (calls: FakeCall[]) => calls.filter((c) => c.path === '/api/experiments/exposures');
const assignmentsCall = (calls: FakeCall[]) => calls.find((c) => c.path === '/api/experiments');
const immediate = { assignments: [{ experiment: 'vote-debounce', variant: 'immediate', policy: { voteDebounceMs: 0 } }] };
const voteReply = (version: number, up: number) => json(200, snap(ID, version, { upvotes: up }, up > 0 ? 'upvote' : null));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const t = makeEngine({ experiments: true });
  t.engine.register(snap(ID, 10, { upvotes: 0 }, null));
  return t;
}

describe('experiments in the engine', () => {
  it('asks for its assignments once at start; clicks before they arrive use the default debounce and expose nobody', async () => {
    const { engine, fake } = setup();
    const ask = assignmentsCall(fake.calls)!;
    expect(ask).toMatchObject({ method: 'GET' });
    void engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(299);
    expect(votes(fake.calls)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(votes(fake.calls)).toHaveLength(1);
    votes(fake.calls)[0]!.respond(voteReply(11, 1));
    ask.respond(json(200, immediate));
    await engine.experimentsLoaded;
    expect(engine.policy.voteDebounceMs).toBe(0);
    expect(exposures(fake.calls)).toHaveLength(0);
    expect(fake.calls.filter((c) => c.path === '/api/experiments')).toHaveLength(1);
  });

  it('applies the variant: a 0 ms debounce sends each click at once, and the first vote reports the exposure once', async () => {
    const { engine, fake, events } = setup();
    assignmentsCall(fake.calls)!.respond(json(200, immediate));
    await engine.experimentsLoaded;
    void engine.vote(ID, 'upvote');
    await flush();
    expect(votes(fake.calls)).toHaveLength(1);
    const [exposure] = exposures(fake.calls);
    expect(exposure).toMatchObject({ method: 'POST', body: { experiment: 'vote-debounce', variant: 'immediate' } });
    votes(fake.calls)[0]!.respond(voteReply(11, 1));
    await flush();
    void engine.vote(ID, 'upvote');
    await flush();
    expect(votes(fake.calls)).toHaveLength(2);
    expect(votes(fake.calls)[1]!.body).toMatchObject({ voteType: 'none' });
    expect(exposures(fake.calls)).toHaveLength(1);
    // The exposure event (which tags telemetry) comes only once the server recorded it.
    expect(events.some((e) => e.type === 'exposure')).toBe(false);
    exposure!.respond(json(200, { recorded: true }));
    await flush();
    expect(events.filter((e) => e.type === 'exposure')).toEqual([expect.objectContaining({ experiment: 'vote-debounce', variant: 'immediate' })]);
  });

  it('the 300 ms variant merges two quick clicks into nothing sent, and is exposed all the same', async () => {
    const { engine, fake } = setup();
    assignmentsCall(fake.calls)!.respond(json(200, { assignments: [{ experiment: 'vote-debounce', variant: 'debounce-300', policy: { voteDebounceMs: 300 } }] }));
    await engine.experimentsLoaded;
    void engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(1);
    void engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(1000);
    expect(votes(fake.calls)).toHaveLength(0);
    expect(exposures(fake.calls).map((c) => c.body)).toEqual([{ experiment: 'vote-debounce', variant: 'debounce-300' }]);
  });

  it('a refused exposure (the experiment was paused meanwhile) is not retried and tags nothing', async () => {
    const { engine, fake, events } = setup();
    assignmentsCall(fake.calls)!.respond(json(200, immediate));
    await engine.experimentsLoaded;
    void engine.vote(ID, 'upvote');
    await flush();
    exposures(fake.calls)[0]!.respond(json(400, errorBody('invalid_input')));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(exposures(fake.calls)).toHaveLength(1);
    expect(events.some((e) => e.type === 'exposure')).toBe(false);
  });

  it('a failed assignments request leaves the defaults', async () => {
    const { engine, fake } = setup();
    assignmentsCall(fake.calls)!.respond(json(400, errorBody('invalid_input')));
    await engine.experimentsLoaded;
    expect(engine.policy).toEqual(DEFAULT_POLICY);
    expect(engine.experimentAssignments).toEqual([]);
  });

  it('a retry-delays variant takes effect on the next retry and exposes on it', async () => {
    const { engine, fake } = setup();
    assignmentsCall(fake.calls)!.respond(json(200, { assignments: [{ experiment: 'fast-retry', variant: 'fast', policy: { retryDelaysMs: [50] } }] }));
    await engine.experimentsLoaded;
    const shared = engine.share(ID);
    await flush();
    const shares = () => fake.calls.filter((c) => c.path === '/api/expose/share');
    expect(exposures(fake.calls)).toHaveLength(0);
    shares()[0]!.respond(json(503, errorBody('unavailable')));
    await vi.advanceTimersByTimeAsync(50);
    expect(shares()).toHaveLength(2);
    expect(exposures(fake.calls).map((c) => c.body)).toEqual([{ experiment: 'fast-retry', variant: 'fast' }]);
    shares()[1]!.respond(json(503, errorBody('unavailable')));
    await expect(shared).resolves.toBe(false); // one retry in this variant, not three
  });

  it('a first-time visitor whose other requests raced for the session cookie asks again, under the session it kept', async () => {
    const t = makeEngine({ experiments: true, hasSession: false });
    const asks = () => t.fake.calls.filter((c) => c.path === '/api/experiments');
    t.engine.register(snap(ID, 10, { upvotes: 0 })); // no myVote: the engine looks it up, also without a cookie
    await vi.advanceTimersByTimeAsync(100);
    const lookup = t.fake.calls.find((c) => c.path === '/api/expose/metrics')!;
    expect(lookup).toBeDefined();
    asks()[0]!.respond(json(200, { assignments: [{ experiment: 'vote-debounce', variant: 'debounce-300', policy: { voteDebounceMs: 300 } }] }));
    await flush();
    expect(asks()).toHaveLength(1); // waits for the lookup: its Set-Cookie may be the one the browser keeps
    lookup.respond(json(200, { items: [snap(ID, 10, { upvotes: 0 }, null)] }));
    await flush();
    expect(asks()).toHaveLength(2);
    asks()[1]!.respond(json(200, immediate));
    await t.engine.experimentsLoaded;
    expect(t.engine.experimentAssignments).toEqual(immediate.assignments);
    expect(t.engine.policy.voteDebounceMs).toBe(0);
  });

  it('a first-time visitor whose assignments request was alone asks once', async () => {
    const t = makeEngine({ experiments: true, hasSession: false });
    t.fake.calls[0]!.respond(json(200, immediate));
    await t.engine.experimentsLoaded;
    expect(t.fake.calls).toHaveLength(1);
    expect(t.engine.policy.voteDebounceMs).toBe(0);
  });

  it('without the option the engine makes no experiments request', () => {
    const t = makeEngine();
    expect(t.fake.calls).toHaveLength(0);
    expect(t.engine.experimentAssignments).toEqual([]);
  });
});

describe('assignment bodies and overrides', () => {
  it('keeps valid entries, drops one with a bad policy value, and rejects a body without a list', () => {
    expect(readAssignments({ assignments: [immediate.assignments[0], { experiment: 'x', variant: 'y', policy: { voteDebounceMs: -1 } }, { experiment: 'z' }] })).toEqual(
      immediate.assignments,
    );
    expect(readAssignments({ assignments: [{ experiment: 'x', variant: 'y', policy: { retryDelaysMs: [1, 2, 3, 4] } }] })).toEqual([]);
    expect(readAssignments({})).toBeNull();
    expect(readAssignments(null)).toBeNull();
  });

  it('the first experiment overriding a field decides it; other fields stay the defaults', () => {
    const p = applyOverrides(DEFAULT_POLICY, [
      { experiment: 'a', variant: 'x', policy: { voteDebounceMs: 0 } },
      { experiment: 'b', variant: 'y', policy: { voteDebounceMs: 900, refreshIntervalMs: 5_000 } },
    ]);
    expect(p).toEqual({ ...DEFAULT_POLICY, voteDebounceMs: 0, refreshIntervalMs: 5_000 });
  });
});

describe('telemetry of an exposed session', () => {
  it('names the exposed variants in every batch after the exposure, and none before', async () => {
    const { engine, fake } = setup();
    const sent: TelemetryBatch[] = [];
    const collector = new TelemetryCollector({ send: (batch) => void sent.push(batch) });
    collector.observe(engine);
    void engine.share(ID);
    await flush();
    fake.calls.find((c) => c.path === '/api/expose/share')!.respond(json(200, snap(ID, 11, { shares: 1 })));
    await flush();
    await collector.flush(false);
    assignmentsCall(fake.calls)!.respond(json(200, immediate));
    await engine.experimentsLoaded;
    void engine.vote(ID, 'upvote');
    await flush();
    exposures(fake.calls)[0]!.respond(json(200, { recorded: true }));
    votes(fake.calls)[0]!.respond(voteReply(12, 1));
    await flush();
    await collector.flush(false);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.experiments).toBeUndefined();
    expect(sent[1]).toMatchObject({ ops: [{ kind: 'vote', outcome: 'acknowledged' }], experiments: [{ experiment: 'vote-debounce', variant: 'immediate' }] });
  });
});

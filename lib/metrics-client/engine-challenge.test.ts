import { createChallenge, solveChallenge, verifySolution } from 'altcha-lib/v1';
import { describe, expect, it, vi } from 'vitest';
import { encodeSolution, type ChallengeSolver } from './challenge';
import { errorBody, json, snap } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';
const KEY = 'engine-test-hmac-key';

/** altcha-lib's solver, as the worker runs it (challenge-worker.ts), without the worker. */
const altchaSolver: ChallengeSolver = async (c) => {
  const s = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  return s ? encodeSolution(c, s.number) : null;
};

const challenged = async () => ({
  ...errorBody('challenge_required'),
  challenge: await createChallenge({ hmacKey: KEY, maxNumber: 500, params: { expose: ID, op: 'vote' } }),
});

function setup(solveChallengeFn: ChallengeSolver | null = altchaSolver) {
  const t = makeEngine({ ...(solveChallengeFn && { solveChallenge: solveChallengeFn }), policy: { voteDebounceMs: 0, retryDelaysMs: [5, 5, 5] } });
  t.engine.register(snap(ID, 10, { upvotes: 3 }, null));
  return t;
}

describe('proof of work (428 challenge_required)', () => {
  it('solves the challenge and sends the vote once more with X-Challenge-Solution; the vote shows at once and stays', async () => {
    const { engine, fake, events } = setup();
    engine.vote(ID, 'upvote');
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    expect(engine.getSnapshot(ID)?.myVote).toBe('upvote');
    fake.last().respond(json(428, await challenged()));
    await vi.waitFor(() => expect(fake.calls).toHaveLength(2));
    // still shown as voted while solving and resending: no rollback, no error
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 4 }, error: null });
    const header = fake.calls[1]!.headers['X-Challenge-Solution']!;
    expect(await verifySolution(header, KEY)).toBe(true);
    expect(fake.calls[1]!.headers['Idempotency-Key']).toBe(fake.calls[0]!.headers['Idempotency-Key']);
    fake.last().respond(json(200, snap(ID, 11, { upvotes: 4 }, 'upvote')));
    await vi.waitFor(() => expect(engine.getSnapshot(ID)?.pendingCount).toBe(0));
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 4 }, error: null });
    expect(events.find((e) => e.type === 'challenge_solved')).toMatchObject({ ok: true, path: '/api/expose/vote' });
  });

  it('solving spends none of the 3 retries, and the solution rides on the retries', async () => {
    const { engine, fake } = setup();
    const done = engine.share(ID);
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    fake.last().respond(json(428, await challenged()));
    for (let n = 2; n <= 4; n++) {
      await vi.waitFor(() => expect(fake.calls).toHaveLength(n));
      fake.last().respond(json(503, errorBody('unavailable')));
    }
    await vi.waitFor(() => expect(fake.calls).toHaveLength(5));
    expect(new Set(fake.calls.slice(1).map((c) => c.headers['X-Challenge-Solution']))).toHaveProperty('size', 1);
    fake.last().respond(json(200, snap(ID, 11, { shares: 1 })));
    await expect(done).resolves.toBe(true);
  });

  it('a second 428 after a solution fails the operation with a clear message and rolls it back', async () => {
    const { engine, fake } = setup();
    engine.vote(ID, 'upvote');
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    fake.last().respond(json(428, await challenged()));
    await vi.waitFor(() => expect(fake.calls).toHaveLength(2));
    fake.last().respond(json(428, await challenged()));
    await vi.waitFor(() => expect(engine.getSnapshot(ID)?.error).not.toBeNull());
    expect(engine.getSnapshot(ID)).toMatchObject({
      myVote: null,
      metrics: { upvotes: 3 },
      error: { code: 'challenge_required', message: expect.stringMatching(/proof of work again/) },
    });
    expect(fake.calls).toHaveLength(2);
  });

  it('without a solver (no Web Worker) a 428 is final', async () => {
    const { engine, fake } = setup(null);
    const done = engine.share(ID);
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    fake.last().respond(json(428, await challenged()));
    await expect(done).resolves.toBe(false);
    expect(engine.getSnapshot(ID)?.error).toMatchObject({ code: 'challenge_required' });
  });
});

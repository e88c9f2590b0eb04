import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MyVote } from '@/lib/contracts/core';
import { json, snap, type FakeCall } from './testing/fake-fetch';
import { makeEngine } from './testing/make-engine';

const ID = 'e1';
const votes = (calls: FakeCall[]) => calls.filter((c) => c.path === '/api/expose/vote');
const reply = (version: number, up: number, down: number, myVote: MyVote) => json(200, snap(ID, version, { upvotes: up, downvotes: down }, myVote));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(myVote: MyVote = null) {
  const t = makeEngine();
  t.engine.register(snap(ID, 10, { upvotes: 5, downvotes: 1 }, myVote));
  return t;
}

describe('vote clicks', () => {
  it('shows the click at once and sends only after 300 ms of quiet', async () => {
    const { engine, fake } = setup();
    void engine.vote(ID, 'upvote');
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 6, netVotes: 5 }, hasOptimisticUpdates: true });
    await vi.advanceTimersByTimeAsync(299);
    expect(votes(fake.calls)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(votes(fake.calls)).toHaveLength(1);
    expect(fake.last().body).toEqual({ exposeId: ID, voteType: 'upvote' });
  });

  it('merges 5 rapid clicks into at most one request carrying the final state', async () => {
    const { engine, fake } = setup();
    const results: Promise<boolean>[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(engine.vote(ID, 'upvote')); // up, none, up, none, up
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 6 } });
    await vi.advanceTimersByTimeAsync(300);
    expect(votes(fake.calls)).toHaveLength(1);
    expect(fake.last().body).toMatchObject({ voteType: 'upvote' });
    fake.last().respond(reply(11, 6, 1, 'upvote'));
    expect(await Promise.all(results)).toEqual([true, true, true, true, true]);
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 6 }, version: 11, pendingCount: 0 });
  });

  it('sends nothing when the clicks end where the server already is', async () => {
    const { engine, fake, events } = setup();
    const a = engine.vote(ID, 'upvote');
    const b = engine.vote(ID, 'upvote');
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: null, metrics: { upvotes: 5 } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(votes(fake.calls)).toHaveLength(0);
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(engine.getPendingOperations()).toHaveLength(0);
    expect(events.some((e) => e.type === 'op_dropped')).toBe(true);
  });

  it('switches up -> down: upvotes -1, downvotes +1, net -2', async () => {
    const { engine, fake } = setup('upvote');
    void engine.vote(ID, 'downvote');
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'downvote', metrics: { upvotes: 4, downvotes: 2, netVotes: 2 } });
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.last().body).toMatchObject({ voteType: 'downvote' });
  });

  it('clicking the pressed button clears the vote (voteType none)', async () => {
    const { engine, fake } = setup('upvote');
    void engine.vote(ID, 'upvote');
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: null, metrics: { upvotes: 4 } });
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.last().body).toMatchObject({ voteType: 'none' });
  });

  it('sends a click made while a vote is in flight only after that one settles', async () => {
    const { engine, fake } = setup();
    void engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(300);
    const first = fake.last();
    void engine.vote(ID, 'downvote');
    await vi.advanceTimersByTimeAsync(1000);
    expect(votes(fake.calls)).toHaveLength(1);
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'downvote', metrics: { upvotes: 5, downvotes: 2 } });
    first.respond(reply(11, 6, 1, 'upvote'));
    await vi.advanceTimersByTimeAsync(0);
    expect(votes(fake.calls)).toHaveLength(2);
    expect(fake.last().body).toMatchObject({ voteType: 'downvote' });
    // Between the two replies the display is the first reply + the second vote, not 6 up.
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'downvote', metrics: { upvotes: 5, downvotes: 2 } });
    fake.last().respond(reply(12, 5, 2, 'downvote'));
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'downvote', metrics: { upvotes: 5, downvotes: 2 }, version: 12, isUpdating: false });
  });

  it('a refresh that already contains the in-flight vote does not count it twice', async () => {
    const { engine, fake } = setup();
    void engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(300);
    engine.applyServerSnapshot(snap(ID, 11, { upvotes: 6, downvotes: 1 }, 'upvote'), 'refresh');
    expect(engine.getSnapshot(ID)?.metrics.upvotes).toBe(6);
    fake.last().respond(reply(11, 6, 1, 'upvote'));
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.getSnapshot(ID)).toMatchObject({ metrics: { upvotes: 6 }, pendingCount: 0 });
  });

  it('rolls a vote back after its final failure and offers a retry', async () => {
    const { engine, fake } = setup();
    const result = engine.vote(ID, 'upvote');
    await vi.advanceTimersByTimeAsync(300);
    fake.last().respond(json(410, { error: { code: 'expired', message: 'gone' } }));
    await expect(result).resolves.toBe(false);
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: null, metrics: { upvotes: 5 }, error: { code: 'expired', op: { kind: 'vote' } } });
    const again = engine.retryFailed(ID);
    expect(engine.getSnapshot(ID)).toMatchObject({ myVote: 'upvote', error: null });
    await vi.advanceTimersByTimeAsync(300);
    fake.last().respond(reply(11, 6, 1, 'upvote'));
    await expect(again).resolves.toBe(true);
  });
});

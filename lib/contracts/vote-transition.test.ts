import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MyVote } from './core';
import { metrics } from '@/lib/metrics-client/testing/fake-fetch';
import { applyVoteTransition, nextVoteTarget, planVotes, toVoteType, transitionDelta, voteValueOf, type VoteValue } from './vote-transition';

describe('vote transitions', () => {
  it.each([
    [0, 1, { upvotes: 1, downvotes: 0 }],
    [0, -1, { upvotes: 0, downvotes: 1 }],
    [1, -1, { upvotes: -1, downvotes: 1 }],
    [-1, 1, { upvotes: 1, downvotes: -1 }],
    [1, 0, { upvotes: -1, downvotes: 0 }],
    [-1, 0, { upvotes: 0, downvotes: -1 }],
    [1, 1, { upvotes: 0, downvotes: 0 }],
    [0, 0, { upvotes: 0, downvotes: 0 }],
  ])('%i -> %i moves the counters by %o', (from, to, delta) => {
    expect(transitionDelta(from, to)).toEqual(delta);
  });

  it('maps vote types to states', () => {
    expect(['upvote', 'downvote', 'none'].map((t) => voteValueOf(t as 'upvote'))).toEqual([1, -1, 0]);
  });

  const value = fc.constantFrom<VoteValue>(-1, 0, 1);
  const session = fc.constantFrom('a', 'b', 'c');

  it('a planned batch leaves the counters where applying the ops one by one would', () => {
    fc.assert(
      fc.property(
        fc.dictionary(session, value),
        fc.array(fc.record({ sessionId: session, value }), { maxLength: 12 }),
        (start, ops) => {
          const current = new Map(Object.entries(start));
          const plan = planVotes(current, ops);
          // one by one
          const state = new Map(current);
          const sequential = { upvotes: 0, downvotes: 0 };
          for (const op of ops) {
            const d = transitionDelta(state.get(op.sessionId) ?? 0, op.value);
            sequential.upvotes += d.upvotes;
            sequential.downvotes += d.downvotes;
            state.set(op.sessionId, op.value);
          }
          expect(plan.delta).toEqual(sequential);
          for (const c of plan.changes) expect(state.get(c.sessionId)).toBe(c.value);
          for (const [s, v] of plan.finals) expect(state.get(s)).toBe(v);
          // no change is planned for a session that ends where it started
          for (const c of plan.changes) expect(current.get(c.sessionId) ?? 0).not.toBe(c.value);
        },
      ),
    );
  });
});


describe('nextVoteTarget (Reddit semantics)', () => {
  it.each([
    [null, 'upvote', 'upvote'],
    [null, 'downvote', 'downvote'],
    ['upvote', 'upvote', null],
    ['upvote', 'downvote', 'downvote'],
    ['downvote', 'downvote', null],
    ['downvote', 'upvote', 'upvote'],
  ] as const)('%s + click %s -> %s', (current, button, target) => {
    expect(nextVoteTarget(current, button)).toBe(target);
  });
});

describe('applyVoteTransition', () => {
  const base = metrics({ upvotes: 5, downvotes: 2 });
  it.each([
    [null, 'upvote', 6, 2, 4],
    [null, 'downvote', 5, 3, 2],
    ['upvote', null, 4, 2, 2],
    ['downvote', null, 5, 1, 4],
    ['upvote', 'downvote', 4, 3, 1],
    ['downvote', 'upvote', 6, 1, 5],
    ['upvote', 'upvote', 5, 2, 3],
  ] as [MyVote, MyVote, number, number, number][])('%s -> %s', (from, to, up, down, net) => {
    const m = applyVoteTransition(base, from, to);
    expect([m.upvotes, m.downvotes, m.netVotes]).toEqual([up, down, net]);
  });
  it('never shows negative counts, and net stays up - down', () => {
    const m = applyVoteTransition(metrics({ upvotes: 0, downvotes: 0 }), 'upvote', 'downvote');
    expect(m).toMatchObject({ upvotes: 0, downvotes: 1, netVotes: -1 });
  });
  it('maps targets to the wire voteType', () => {
    expect([toVoteType('upvote'), toVoteType('downvote'), toVoteType(null)]).toEqual(['upvote', 'downvote', 'none']);
  });
});

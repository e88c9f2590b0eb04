import { describe, expect, it } from 'vitest';
import type { MyVote } from '@/lib/contracts/metrics';
import { metrics } from './testing/fake-fetch';
import { applyVoteTransition, nextVoteTarget, toVoteType } from './vote-transition';

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

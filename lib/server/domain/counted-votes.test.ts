import { describe, expect, it } from 'vitest';
import { countedChanges, grantRequests } from './counted-votes';
import { planVotes, type VoteValue } from '@/lib/contracts/vote-transition';

const ip = new Map([
  ['a', 'ip1'],
  ['b', 'ip1'],
  ['c', 'ip2'],
]);

describe('counted votes', () => {
  // [stored value, stored counted, target, granted?] -> [new counted, upvotes delta, downvotes delta, asks a grant]
  it.each([
    [0, true, 1, 1, true, 1, 0, true],
    [0, true, 1, 0, false, 0, 0, true],
    [1, true, -1, 0, true, -1, 1, false],
    [1, true, 0, 0, false, -1, 0, false],
    [1, false, 0, 0, false, 0, 0, false],
    [1, false, -1, 1, true, 0, 1, true],
    [1, false, -1, 0, false, 0, 0, true],
    [-1, false, 1, 1, true, 1, 0, true],
  ] as const)('%i (counted %s) -> %i with %i granted', (from, wasCounted, to, grant, counted, up, down, asks) => {
    const locked = { current: new Map([['a', from]]), counted: new Map([['a', wasCounted]]) };
    const plan = planVotes(locked.current, [{ sessionId: 'a', value: to as VoteValue }]);
    expect(grantRequests(plan, locked, ip)).toEqual(asks ? [{ ipKey: 'ip1', n: 1 }] : []);
    const r = countedChanges(plan, locked, ip, new Map([['ip1', grant]]));
    expect(r.changes).toEqual([{ sessionId: 'a', value: to, counted }]);
    expect(r.moved.has('a')).toBe(up !== 0 || down !== 0);
    expect(r.delta).toEqual({ upvotes: up, downvotes: down });
  });

  it('asks per IP identity and hands out a partial grant in plan order', () => {
    const locked = { current: new Map<string, number>(), counted: new Map<string, boolean>() };
    const plan = planVotes(locked.current, ['a', 'b', 'c'].map((sessionId) => ({ sessionId, value: 1 as const })));
    expect(grantRequests(plan, locked, ip)).toEqual([
      { ipKey: 'ip1', n: 2 },
      { ipKey: 'ip2', n: 1 },
    ]);
    const r = countedChanges(plan, locked, ip, new Map([['ip1', 1], ['ip2', 1]]));
    expect(r.changes.map((c) => c.counted)).toEqual([true, false, true]);
    expect(r.delta).toEqual({ upvotes: 2, downvotes: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { createOp, type OpInput, type PendingOp } from './operations';
import { initialExposeState, reduceExpose, type ExposeAction, type ExposeState } from './reducer';
import { snap } from './testing/fake-fetch';
import { deriveView } from './view';

const ID = 'e1';
const op = (id: string, input: OpInput, sent = true): PendingOp => ({
  ...createOp(input, { id, exposeId: ID, now: 0, phase: sent ? 'sending' : 'debouncing' }),
  sent,
  attempt: sent ? 1 : 0,
});
const share = (id: string) => op(id, { kind: 'share', payload: { channel: 'link' } });
const comment = (id: string) => op(id, { kind: 'comment', payload: { body: 'hi' } });
const vote = (id: string, target: 'upvote' | 'downvote' | null, sent = true) => op(id, { kind: 'vote', payload: { target } }, sent);
const run = (s: ExposeState, ...actions: ExposeAction[]) => actions.reduce(reduceExpose, s);
const shown = (s: ExposeState) => deriveView(s).metrics;
const start = (version = 10) => initialExposeState(ID, snap(ID, version, { shares: 3, comments: 2, upvotes: 5, downvotes: 1 }, null));

describe('version rule', () => {
  it('keeps the highest version; older and equal snapshots change nothing', () => {
    let s = run(start(10), { type: 'snapshot', snapshot: snap(ID, 12, { shares: 9 }) });
    expect(shown(s).shares).toBe(9);
    const before = s;
    s = run(s, { type: 'snapshot', snapshot: snap(ID, 11, { shares: 1 }) }, { type: 'snapshot', snapshot: snap(ID, 12, { shares: 1 }) });
    expect(s).toBe(before);
  });
  it('keeps myVote from a newer snapshot when a later one (live event) has none', () => {
    const s = run(start(10), { type: 'snapshot', snapshot: snap(ID, 11, {}, 'upvote') }, { type: 'snapshot', snapshot: snap(ID, 12, {}) });
    expect(deriveView(s).myVote).toBe('upvote');
    expect(deriveView(s).version).toBe(12);
  });
});

describe('displayed = confirmed + pending effects', () => {
  it('adds shares and comments, and the vote relative to the confirmed vote', () => {
    const s = run(
      start(),
      { type: 'op_added', op: share('s1') },
      { type: 'op_added', op: comment('c1') },
      { type: 'op_added', op: vote('v1', 'downvote') },
    );
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3, upvotes: 5, downvotes: 2, netVotes: 3 });
    expect(deriveView(s)).toMatchObject({ myVote: 'downvote', pendingCount: 3, hasOptimisticUpdates: true, isUpdating: true });
  });
  it('up -> down is upvotes -1, downvotes +1, net -2', () => {
    const s0 = initialExposeState(ID, snap(ID, 1, { upvotes: 5, downvotes: 1 }, 'upvote'));
    const s = run(s0, { type: 'op_added', op: vote('v1', 'downvote') });
    expect(shown(s)).toMatchObject({ upvotes: 4, downvotes: 2, netVotes: 2 });
  });
  it('does not show views optimistically (the server de-duplicates them)', () => {
    const s = run(start(), { type: 'op_added', op: op('w1', { kind: 'view', payload: {} }) });
    expect(shown(s).views).toBe(0);
    expect(deriveView(s)).toMatchObject({ isUpdating: true, hasOptimisticUpdates: false, pendingCount: 0 });
  });
  it('accepts one view op per expose', () => {
    const view = (id: string) => op(id, { kind: 'view', payload: {} });
    const s = run(start(), { type: 'op_added', op: view('w1') }, { type: 'op_added', op: view('w2') });
    expect(s.ops.map((o) => o.id)).toEqual(['w1']);
  });
});

describe('acknowledgement', () => {
  it('removes the op and applies the reply in the same transition (no double count)', () => {
    const s1 = run(start(10), { type: 'op_added', op: share('s1') });
    const s2 = reduceExpose(s1, { type: 'op_acked', opId: 's1', snapshot: snap(ID, 11, { shares: 4 }) });
    expect(s2.ops).toHaveLength(0);
    expect(shown(s2).shares).toBe(4);
    expect(deriveView(s2)).toMatchObject({ version: 11, isUpdating: false, hasOptimisticUpdates: false });
  });
  it('a stale ack (older than what we have) still ends the op', () => {
    const s = run(
      start(10),
      { type: 'op_added', op: vote('v1', 'upvote') },
      { type: 'snapshot', snapshot: snap(ID, 13, { upvotes: 8 }, 'upvote') },
      { type: 'op_acked', opId: 'v1', snapshot: snap(ID, 11, { upvotes: 6 }, 'upvote') },
    );
    expect(s.ops).toHaveLength(0);
    expect(shown(s).upvotes).toBe(8);
  });
  it('final failure rolls the effect back and records the error', () => {
    const s = run(start(), { type: 'op_added', op: share('s1') }, { type: 'op_failed', opId: 's1', code: 'unavailable', message: 'down', at: 5 });
    expect(shown(s).shares).toBe(3);
    expect(s.error).toMatchObject({ code: 'unavailable', op: { id: 's1', kind: 'share' } });
  });
  it('does not surface a failed view', () => {
    const s = run(start(), { type: 'op_added', op: op('w1', { kind: 'view', payload: {} }) }, { type: 'op_failed', opId: 'w1', code: 'x', message: 'x', at: 0 });
    expect(s.error).toBeNull();
  });
});

describe('refresh vs pending op', () => {
  it('a stale refresh cannot undo a pending op', () => {
    const s = run(start(10), { type: 'op_added', op: share('s1') }, { type: 'snapshot', snapshot: snap(ID, 9, { shares: 0 }) });
    expect(shown(s).shares).toBe(4);
  });
  it('a newer refresh that already contains a sent share is held back until the ack', () => {
    let s = run(start(10), { type: 'op_added', op: share('s1') }, { type: 'snapshot', snapshot: snap(ID, 11, { shares: 4 }) });
    expect(shown(s).shares).toBe(4); // not 5
    s = reduceExpose(s, { type: 'op_acked', opId: 's1', snapshot: snap(ID, 11, { shares: 4 }) });
    expect(shown(s).shares).toBe(4);
    expect(s.deferred).toBeNull();
  });
  it('the held snapshot is applied when the op finally fails', () => {
    let s = run(start(10), { type: 'op_added', op: share('s1') }, { type: 'snapshot', snapshot: snap(ID, 12, { shares: 7 }) });
    s = reduceExpose(s, { type: 'op_failed', opId: 's1', code: 'x', message: 'x', at: 0 });
    expect(shown(s).shares).toBe(7);
  });
  it('an unsent op cannot be in any snapshot, so snapshots apply at once', () => {
    const s = run(start(10), { type: 'op_added', op: vote('v1', 'upvote', false) }, { type: 'snapshot', snapshot: snap(ID, 11, { upvotes: 9 }) });
    expect(shown(s).upvotes).toBe(10);
  });
  it('a newer snapshot with myVote is exact for a pending vote (vote effect relative to it)', () => {
    const s = run(start(10), { type: 'op_added', op: vote('v1', 'upvote') }, { type: 'snapshot', snapshot: snap(ID, 11, { upvotes: 6 }, 'upvote') });
    expect(shown(s).upvotes).toBe(6); // server already applied the vote: no +1 on top
    expect(s.deferred).toBeNull();
  });
  it('a newer snapshot without myVote (live event) is held while a vote is uncertain', () => {
    const s = run(start(10), { type: 'op_added', op: vote('v1', 'upvote') }, { type: 'snapshot', snapshot: snap(ID, 11, { upvotes: 6 }) });
    expect(shown(s).upvotes).toBe(6);
    expect(s.deferred?.version).toBe(11);
  });
});

describe('concurrent ops settling out of order', () => {
  it('an ack containing another in-flight op does not double count it', () => {
    // Server applied share (v11) then comment (v12); the comment's reply arrives first.
    let s = run(start(10), { type: 'op_added', op: share('s1') }, { type: 'op_added', op: comment('c1') });
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3 });
    s = reduceExpose(s, { type: 'op_acked', opId: 'c1', snapshot: snap(ID, 12, { shares: 4, comments: 3 }) });
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3 });
    expect(deriveView(s).pendingComments).toHaveLength(0);
    s = reduceExpose(s, { type: 'op_acked', opId: 's1', snapshot: snap(ID, 11, { shares: 4, comments: 2 }) });
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3 });
    expect(s.ops).toHaveLength(0);
    expect(deriveView(s).version).toBe(12);
  });
  it('in the other order too', () => {
    let s = run(start(10), { type: 'op_added', op: share('s1') }, { type: 'op_added', op: comment('c1') });
    s = reduceExpose(s, { type: 'op_acked', opId: 's1', snapshot: snap(ID, 11, { shares: 4, comments: 2 }) });
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3 });
    s = reduceExpose(s, { type: 'op_acked', opId: 'c1', snapshot: snap(ID, 12, { shares: 4, comments: 3 }) });
    expect(shown(s)).toMatchObject({ shares: 4, comments: 3 });
    expect(s.ops).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { readLiveComment, readLiveEvent, streamUrls } from './live-source';

describe('streamUrls', () => {
  it('sorts and de-duplicates the ids, so the same set always gives the same URL', () => {
    expect(streamUrls(['b', 'a', 'b', 'C'], 100)).toEqual(['/api/expose/stream?ids=C,a,b']);
  });
  it('puts at most maxIds ids in one URL', () => {
    expect(streamUrls(['a', 'b', 'c', 'd', 'e'], 2, 'http://x')).toEqual([
      'http://x/api/expose/stream?ids=a,b',
      'http://x/api/expose/stream?ids=c,d',
      'http://x/api/expose/stream?ids=e',
    ]);
  });
  it('gives no URL for no ids', () => expect(streamUrls([], 100)).toEqual([]));
});

describe('readLiveEvent', () => {
  const metrics = { views: 1, comments: 2, upvotes: 3, downvotes: 1, netVotes: 2, shares: 0 };
  it.each([
    ['a metrics object', JSON.stringify({ exposeId: 'a', version: 3, metrics }), { exposeId: 'a', version: 3, metrics }],
    ['one with a myVote (dropped)', JSON.stringify({ exposeId: 'a', version: 3, metrics, myVote: 'upvote' }), { exposeId: 'a', version: 3, metrics }],
    ['no metrics', JSON.stringify({ exposeId: 'a', version: 3 }), null],
    ['not JSON', 'hello', null],
    ['not a string', { exposeId: 'a' }, null],
  ])('%s', (_, data, expected) => {
    expect(readLiveEvent(data)).toEqual(expected);
  });
});

describe('readLiveComment', () => {
  const comment = { id: 'c1', exposeId: 'a', body: 'hi', authorName: 'Ann', createdAt: '2024-05-10T11:00:00.000Z' };
  it.each([
    ['a comment object', JSON.stringify(comment), comment],
    ['extra fields (dropped)', JSON.stringify({ ...comment, sessionId: 's' }), comment],
    ['a missing field', JSON.stringify({ ...comment, body: undefined }), null],
    ['a field of the wrong type', JSON.stringify({ ...comment, authorName: 1 }), null],
    ['a date that is not one', JSON.stringify({ ...comment, createdAt: 'soon' }), null],
    ['not JSON', 'hello', null],
    ['JSON null', 'null', null],
  ])('%s', (_, data, expected) => {
    expect(readLiveComment(data)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { CACHEABLE_FEED_PATHS, feedHref, readFeedOrder } from './feed-order';

describe('feed order URLs', () => {
  it('gives each order one canonical URL, and reads it back', () => {
    const cases = [
      [{ sort: 'new', window: 'day' }, '/'],
      [{ sort: 'hot', window: 'week' }, '/?sort=hot'],
      [{ sort: 'top', window: 'day' }, '/?sort=top&t=day'],
      [{ sort: 'top', window: 'all' }, '/?sort=top&t=all'],
    ] as const;
    for (const [order, href] of cases) {
      expect(feedHref(order)).toBe(href);
      const params = Object.fromEntries(new URLSearchParams(href.slice(2)));
      expect(readFeedOrder(params).sort).toBe(order.sort);
    }
    expect(feedHref({ sort: 'top', window: 'week' }, 'a b')).toBe('/?sort=top&t=week&cursor=a+b');
    expect(feedHref({ sort: 'new', window: 'day' }, 'c')).toBe('/?cursor=c');
  });

  it('falls back to the default for anything unknown (a page never errors on its query)', () => {
    expect(readFeedOrder({ sort: 'best', t: ['day'] })).toEqual({ sort: 'new', window: 'day' });
    expect(readFeedOrder({ sort: 'top', t: 'year' })).toEqual({ sort: 'top', window: 'day' });
  });

  it('lets the page cache serve exactly the first page of every order', () => {
    expect(CACHEABLE_FEED_PATHS).toEqual(['/', '/?sort=hot', '/?sort=top&t=day', '/?sort=top&t=week', '/?sort=top&t=all']);
  });
});

/**
 * The feed's orders and their URLs (zod-free: the browser builds the same links). docs/API.md and
 * docs/ARCHITECTURE.md "Feed sorts" give the formulas.
 */
export const FEED_SORTS = ['new', 'hot', 'top'] as const;
export type FeedSort = (typeof FEED_SORTS)[number];
export const TOP_WINDOWS = ['day', 'week', 'all'] as const;
export type TopWindow = (typeof TOP_WINDOWS)[number];

export interface FeedOrder {
  sort: FeedSort;
  /** Only for 'top': how far back an expose may have been created. */
  window: TopWindow;
}

export const DEFAULT_FEED_ORDER: FeedOrder = { sort: 'new', window: 'day' };

export const TOP_WINDOW_MS: Record<TopWindow, number | null> = { day: 86_400_000, week: 7 * 86_400_000, all: null };

const oneOf = <T extends string>(list: readonly T[], value: unknown): T | undefined =>
  typeof value === 'string' && (list as readonly string[]).includes(value) ? (value as T) : undefined;

/** The order a page URL asks for; anything unknown falls back to the default (never an error page). */
export function readFeedOrder(params: { sort?: unknown; t?: unknown }): FeedOrder {
  return {
    sort: oneOf(FEED_SORTS, params.sort) ?? DEFAULT_FEED_ORDER.sort,
    window: oneOf(TOP_WINDOWS, params.t) ?? DEFAULT_FEED_ORDER.window,
  };
}

/**
 * The one canonical URL of each feed order (and of its later pages). Links use only these, so the
 * page cache, which serves exact URLs, sees each order under one key.
 */
export function feedHref(order: FeedOrder, cursor?: string | null): string {
  const q = new URLSearchParams();
  if (order.sort !== 'new') q.set('sort', order.sort);
  if (order.sort === 'top') q.set('t', order.window);
  if (cursor) q.set('cursor', cursor);
  const query = q.toString();
  return query ? `/?${query}` : '/';
}

/** First pages of every order: the same for everyone, so the page cache may serve them. */
export const CACHEABLE_FEED_PATHS: readonly string[] = [
  ...FEED_SORTS.filter((sort) => sort !== 'top').map((sort) => feedHref({ sort, window: 'day' })),
  ...TOP_WINDOWS.map((window) => feedHref({ sort: 'top', window })),
];

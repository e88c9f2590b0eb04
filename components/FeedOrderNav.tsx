import { feedHref, TOP_WINDOWS, type FeedOrder } from '@/lib/contracts/feed-order';

const WINDOW_LABELS = { day: 'Today', week: 'Week', all: 'All time' } as const;

/** The feed's orders as plain links (each order is a URL the page cache can serve). */
export function FeedOrderNav({ order }: { order: FeedOrder }) {
  const link = (target: FeedOrder, label: string, current: boolean) => (
    <a className="ec-tab" href={feedHref(target)} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav className="ec-feed__order" aria-label="Sort the feed">
      {link({ sort: 'new', window: 'day' }, 'New', order.sort === 'new')}
      {link({ sort: 'hot', window: 'day' }, 'Hot', order.sort === 'hot')}
      {link({ sort: 'top', window: order.window }, 'Top', order.sort === 'top')}
      {order.sort === 'top' && (
        <span className="ec-feed__windows">
          {TOP_WINDOWS.map((window) => (
            <span key={window}>{link({ sort: 'top', window }, WINDOW_LABELS[window], order.window === window)}</span>
          ))}
        </span>
      )}
    </nav>
  );
}

import Link from 'next/link';
import { FeedList } from '@/components/FeedList';
import { FeedOrderNav } from '@/components/FeedOrderNav';
import { excerpt } from '@/components/expose-time';
import { readFeedOrder } from '@/lib/contracts/feed-order';
import { listExposes } from '@/lib/server/domain/exposes';
import { getContainer } from '@/lib/server/runtime';

// Rendered on request (the build must never open the database), then replayed to every visitor for
// about a second by the page cache in front of Next (lib/server/pages/page-cache.ts) for the first
// page of each order. So nothing here may depend on the request but its URL: no headers(), no
// cookies(), no session. Each visitor's own votes are fetched by the page's metrics engine in one
// batched request after hydration.
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;
const HEADINGS = { new: 'Latest exposes', hot: 'Hot exposes', top: 'Top exposes' } as const;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function FeedPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const order = readFeedOrder(params);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const container = getContainer();
  // A stale or foreign cursor in a link shows the first page rather than an error.
  const page = await listExposes(container, { limit: PAGE_SIZE, cursor, order }).catch((err: unknown) => {
    if (cursor && (err as { code?: string }).code === 'invalid_input') return listExposes(container, { limit: PAGE_SIZE, order });
    throw err;
  });
  const now = container.now().getTime();
  return (
    <section aria-labelledby="feed-heading">
      <div className="ec-feed__head">
        <h1 id="feed-heading">{HEADINGS[order.sort]}</h1>
        <FeedOrderNav order={order} />
      </div>
      {page.exposes.length === 0 ? (
        <div className="ec-empty">
          <p>Nothing here yet.</p>
          <Link className="ec-button ec-button--primary" href="/new">
            Write the first expose
          </Link>
        </div>
      ) : (
        // Cards get only the excerpt of each body: the page stays smaller.
        <FeedList
          order={order}
          exposes={page.exposes.map((e) => ({ ...e, body: excerpt(e.body) }))}
          nextCursor={page.nextCursor}
          now={now}
          pageSize={PAGE_SIZE}
        />
      )}
    </section>
  );
}

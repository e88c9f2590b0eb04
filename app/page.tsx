import Link from 'next/link';
import { RealTimeExposeCard } from '@/components/RealTimeExposeCard';
import { excerpt } from '@/components/expose-time';
import { listExposes } from '@/lib/server/domain/exposes';
import { getContainer } from '@/lib/server/runtime';

// Rendered on request (the build must never open the database), then replayed to every visitor for
// about a second by the page cache in front of Next (lib/server/pages/page-cache.ts). So nothing here
// may depend on the request: no headers(), no cookies(), no session. Each visitor's own votes are
// fetched by the page's metrics engine in one batched request after hydration.
export const dynamic = 'force-dynamic';

export default async function FeedPage() {
  const container = getContainer();
  const page = await listExposes(container, { limit: 50 });
  const now = container.now().getTime();
  return (
    <section aria-labelledby="feed-heading">
      <div className="ec-feed__head">
        <h1 id="feed-heading">Latest exposes</h1>
        <span className="ec-muted">{page.exposes.length} live</span>
      </div>
      {page.exposes.length === 0 ? (
        <div className="ec-empty">
          <p>Nothing here yet.</p>
          <Link className="ec-button ec-button--primary" href="/new">
            Write the first expose
          </Link>
        </div>
      ) : (
        <ol className="ec-feed">
          {page.exposes.map(({ body, ...expose }) => (
            <li key={expose.exposeId}>
              {/* The card shows only the excerpt here; sending just that keeps the page smaller. */}
              <RealTimeExposeCard expose={{ ...expose, body: excerpt(body) }} mode="feed" now={now} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

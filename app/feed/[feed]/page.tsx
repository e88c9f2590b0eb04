import Link from 'next/link';
import { notFound } from 'next/navigation';
import { RealTimeExposeCard } from '@/components/RealTimeExposeCard';
import { excerpt } from '@/components/expose-time';
import { listExposes } from '@/lib/server/domain/exposes';
import { getContainer } from '@/lib/server/runtime';

/**
 * The feed, served at `/` (a rewrite in next.config.ts) from Next's shared ISR cache: rendered at
 * most about once a second for everyone, never per visitor. So nothing here may depend on the
 * request: no headers(), no cookies(), no session. Each visitor's own votes are fetched by the
 * page's metrics engine in one batched request after hydration (ARCHITECTURE.md, "Feed cache").
 */
export const revalidate = 1;

// Nothing is rendered at build time (the build must never open the database): the first request
// renders the page and later ones share the cached copy. Only `latest` exists; any other value is
// a 404 (cached in memory only, isrFlushToDisk is off).
const FEEDS: readonly string[] = ['latest'];
export function generateStaticParams(): { feed: string }[] {
  return [];
}

type Props = { params: Promise<{ feed: string }> };

export default async function FeedPage({ params }: Props) {
  if (!FEEDS.includes((await params).feed)) notFound();
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
              {/* The card shows only the excerpt here; sending just that keeps the page small. */}
              <RealTimeExposeCard expose={{ ...expose, body: excerpt(body) }} mode="feed" now={now} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

import Link from 'next/link';
import { RealTimeExposeCard } from '@/components/RealTimeExposeCard';
import { listExposes } from '@/lib/server/domain/exposes';
import { requestSessionId } from '@/lib/server/pages/request-session';
import { getContainer } from '@/lib/server/runtime';

// Rendered per request: the feed is live data, and the build must never open the database.
export const dynamic = 'force-dynamic';

export default async function FeedPage() {
  const container = getContainer();
  const page = await listExposes(container, { limit: 50, sessionId: await requestSessionId() });
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
          {page.exposes.map((expose) => (
            <li key={expose.exposeId}>
              <RealTimeExposeCard expose={expose} mode="feed" now={now} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

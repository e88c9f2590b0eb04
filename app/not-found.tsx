import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <section className="ec-empty">
      <h1>Not found</h1>
      <p className="ec-muted">This expose does not exist, or its link is mistyped.</p>
      <Link className="ec-button" href="/">
        Back to the feed
      </Link>
    </section>
  );
}

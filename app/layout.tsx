import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { OfflineNotice } from '@/components/OfflineNotice';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Expose Corner', template: '%s · Expose Corner' },
  description: 'Short exposes with live views, votes, comments and shares.',
};

// Every page is rendered per request (or replayed by the feed cache): Next can put the request's CSP
// nonce only on scripts it renders then, and a page prerendered at build time would carry none.
export const dynamic = 'force-dynamic';

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#14213d' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="ec-skip" href="#main">
          Skip to content
        </a>
        <header className="ec-header">
          <div className="ec-header__inner">
            <Link href="/" className="ec-brand">
              <span aria-hidden="true" className="ec-brand__mark">◣</span> Expose Corner
            </Link>
            <nav aria-label="Main" className="ec-nav">
              <Link href="/">Feed</Link>
              <Link href="/new" className="ec-button ec-button--primary">
                New expose
              </Link>
            </nav>
          </div>
        </header>
        <main id="main" className="ec-main">
          <OfflineNotice />
          {children}
        </main>
        <footer className="ec-footer">
          {/* The metrics debug console stays at /test-real-time-metrics, unlinked from public pages. */}
          <p>Numbers update live. Views are counted once a day per visitor, without storing who you are.</p>
        </footer>
      </body>
    </html>
  );
}

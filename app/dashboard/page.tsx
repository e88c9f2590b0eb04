import type { Metadata } from 'next';
import { Dashboard } from '@/components/dashboard/Dashboard';
import { adminPageAllowed } from '@/lib/server/pages/admin-access';

export const metadata: Metadata = { title: 'Dashboard', robots: { index: false, follow: false } };

// Per request: the admin check below, and nothing of the dashboard is ever cached or prerendered.
export const dynamic = 'force-dynamic';

/**
 * /dashboard — admin only. The figures come from the admin API (GET /api/dashboard and its live
 * stream), which does the real check (admin-auth.ts); with ADMIN_TOKEN set, a browser without the
 * admin cookie is sent to the login form here already.
 */
export default async function DashboardPage() {
  if (!(await adminPageAllowed())) {
    return (
      <section className="ec-panel" aria-labelledby="dash-login">
        <h1 id="dash-login">Dashboard</h1>
        <p role="alert">The dashboard is for admins: log in with the admin token first.</p>
        <p>
          <a href="/admin/login">Admin login</a>
        </p>
      </section>
    );
  }
  return <Dashboard />;
}

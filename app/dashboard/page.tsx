import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { Dashboard } from '@/components/dashboard/Dashboard';
import { ADMIN_COOKIE, isAdminCookie } from '@/lib/server/http/admin-auth';
import { getContainer } from '@/lib/server/runtime';

export const metadata: Metadata = { title: 'Dashboard', robots: { index: false, follow: false } };

// Per request: the admin check below, and nothing of the dashboard is ever cached or prerendered.
export const dynamic = 'force-dynamic';

/**
 * /dashboard — admin only. The figures come from the admin API (GET /api/dashboard and its live
 * stream), which does the real check (admin-auth.ts); with ADMIN_TOKEN set, a browser without the
 * admin cookie is sent to the login form here already.
 */
export default async function DashboardPage() {
  const { config } = getContainer();
  if (config.adminToken && !isAdminCookie(config.adminToken, (await cookies()).get(ADMIN_COOKIE)?.value, Date.now())) {
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

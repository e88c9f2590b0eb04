import type { Metadata } from 'next';
import { AdminLoginForm } from './AdminLoginForm';

export const metadata: Metadata = { title: 'Admin login', robots: { index: false, follow: false } };

// /admin/login — trades ADMIN_TOKEN for the admin cookie (POST /api/admin/login), for a browser.
export default function AdminLoginPage() {
  return (
    <section className="ec-panel" aria-labelledby="admin-login-heading">
      <h1 id="admin-login-heading">Admin login</h1>
      <p className="ec-muted">Enter the server&apos;s ADMIN_TOKEN to open the admin pages and /api/metrics in this browser.</p>
      <AdminLoginForm />
    </section>
  );
}

import { cookies } from 'next/headers';
import { ADMIN_COOKIE, isAdminCookie } from '@/lib/server/http/admin-auth';
import { getContainer } from '@/lib/server/runtime';

/**
 * Whether an admin page should render for this request. With ADMIN_TOKEN: a valid admin cookie.
 * Without it the page renders and its data requests decide (loopback only, admin-auth.ts): a page
 * cannot see the socket address. The admin API is the real check either way.
 */
export async function adminPageAllowed(): Promise<boolean> {
  const { config, now } = getContainer();
  if (!config.adminToken) return true;
  return isAdminCookie(config.adminToken, (await cookies()).get(ADMIN_COOKIE)?.value, now().getTime());
}

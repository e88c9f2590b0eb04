import { expect, test } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from './support/admin';

// The login form trades ADMIN_TOKEN (set by e2e/serve.mjs) for the HttpOnly admin cookie.
test('an operator logs in with the admin token and reads /api/metrics', async ({ page, context }) => {
  expect((await page.request.get('/api/metrics')).status()).toBe(401);

  await page.goto('/admin/login');
  await page.getByLabel('Admin token').fill('not-the-admin-token');
  await page.getByRole('button', { name: 'Log in' }).click();
  // Next's route announcer is an alert too: look for ours by its text.
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong admin token' })).toBeVisible();

  await page.getByLabel('Admin token').fill(E2E_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('status')).toContainText('Logged in');

  const cookie = (await context.cookies()).find((c) => c.name === 'ec_admin');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  expect(cookie?.value).not.toContain(E2E_ADMIN_TOKEN);
  const metrics = await page.request.get('/api/metrics');
  expect(metrics.status()).toBe(200);
  expect(await metrics.text()).toContain('# TYPE ec_writes_total counter');
});

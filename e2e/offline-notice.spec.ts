import { expect, openExpose, test } from './support/fixtures';

test('offline, the person is told; a vote made meanwhile waits and is sent when the connection is back', async ({
  page,
  context,
  expose,
  request,
}) => {
  await openExpose(page, expose.exposeId);
  const notice = page.getByRole('status').filter({ hasText: "You're offline" });
  await expect(notice).toBeHidden();

  await context.setOffline(true);
  await expect(notice).toBeVisible();

  const card = page.locator(`article[data-expose-id="${expose.exposeId}"]`);
  await card.getByRole('button', { name: 'Upvote' }).click();
  // Optimistic at once, and not rolled back while offline (requests wait instead of retrying).
  await expect(card.locator('[data-metric="upvotes"]')).toHaveText('1');

  const sent = page.waitForResponse('**/api/expose/vote');
  await context.setOffline(false);
  await expect(notice).toBeHidden();
  expect((await sent).status()).toBe(200);
  const server = await (await request.get(`/api/exposes/${expose.exposeId}`)).json();
  expect(server.metrics.upvotes).toBe(1);
});

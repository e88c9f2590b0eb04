import { expect, test } from '@playwright/test';
import { untilFeedLists } from './support/fixtures';

test('the feed renders the demo exposes with their six live numbers', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Latest exposes' })).toBeVisible();
  const cards = page.locator('article[data-expose-id]');
  await expect(cards.first()).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(6);
  const first = cards.first();
  for (const metric of ['views', 'comments', 'upvotes', 'downvotes', 'netVotes', 'shares']) {
    await expect(first.locator(`[data-metric="${metric}"]`)).toHaveText(/^-?\d+$/);
  }
});

test('creating an expose through /new shows it, and it appears in the feed', async ({ page }) => {
  const title = `Seen from the browser ${Date.now()}`;
  await page.goto('/new');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Give it a title.')).toBeVisible();

  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Body').fill('Written by the end-to-end test, end to end.');
  await page.getByLabel('Lifetime').selectOption({ label: '1 day' });
  await page.getByRole('button', { name: 'Publish' }).click();

  await expect(page).toHaveURL(/\/expose\/[A-Za-z0-9_-]+\?published=1$/);
  const card = page.locator('article[data-expose-id]');
  await expect(card.getByRole('heading', { name: title })).toBeVisible();
  // The moment to pass it on: copying the link counts as a share.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Link copied. Paste it anywhere.')).toBeVisible();
  await expect(card.locator('[data-metric="shares"]')).toHaveText('1');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url().replace('?published=1', ''));

  // The feed is cached for about a second: the new expose is listed after that.
  const exposeId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  await page.goto(`/expose/${exposeId}`); // a later visit: no publishing moment
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy link' })).toHaveCount(0);
  await untilFeedLists(page.request, exposeId);
  await page.goto('/');
  await expect(page.locator('article[data-expose-id]').first()).toContainText(title);
});

import { expect, test } from './support/fixtures';

test('the metrics console logs an action and shows an injected fault being retried', async ({ page, expose }) => {
  await page.goto(`/test-real-time-metrics?expose=${expose.exposeId}`);
  await expect(page.getByRole('heading', { name: 'Metrics debug console' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Choose an expose' })).toHaveValue(expose.exposeId);
  const log = page.getByRole('log', { name: 'Event log' });
  const entries = (type: string) => log.locator(`[data-event-type="${type}"]`);
  // Clicks are handled once the page's own engine runs in the browser.
  await expect(page.getByRole('status').filter({ hasText: 'Engine running' })).toBeVisible();

  const metric = (name: string) => page.getByLabel('Displayed metrics').locator(`[data-metric="${name}"]`);
  const upvote = page.getByRole('button', { name: 'Upvote' });
  await upvote.click();
  await expect(metric('upvotes')).toHaveText('1');
  await expect(upvote).toHaveAttribute('aria-pressed', 'true');
  await expect(entries('op_queued').filter({ hasText: `vote on ${expose.exposeId}` })).toHaveCount(1);
  await expect(entries('request_sent').filter({ hasText: 'POST /api/expose/vote · attempt 1' })).toHaveCount(1);
  await expect(entries('ack').filter({ hasText: 'vote confirmed at version' })).toHaveCount(1);
  await expect(page.locator('[data-fact="version"]')).toHaveText(/^\d+$/);

  // Fail the next request with a 500: the share is retried after 1 s with the same op.
  await page.getByLabel('Requests to fail').fill('1');
  await page.getByLabel('Failure').selectOption({ label: 'HTTP 500' });
  await page.getByRole('button', { name: 'Inject fault' }).click();
  await expect(page.getByRole('list', { name: 'Armed faults' })).toContainText('HTTP 500 × 1');

  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(metric('shares')).toHaveText('1');
  const retry = entries('retry_scheduled');
  await expect(retry).toHaveCount(1);
  await expect(retry).toContainText('/api/expose/share: attempt 1 failed (unavailable), retry in 1000 ms');
  // While it waits, the pending list shows the op, its attempt and the coming retry.
  const row = page.locator('tr[data-op-kind="share"]');
  await expect(row).toContainText('waiting');
  await expect(row.locator('[data-attempt]')).toHaveText('1');
  await expect(row).toContainText(/retry 2 in \d\.\d s/);

  await expect(entries('request_sent').filter({ hasText: 'POST /api/expose/share · attempt 2' })).toHaveCount(1);
  await expect(entries('ack').filter({ hasText: 'share confirmed' })).toHaveCount(1);
  await expect(row).toHaveCount(0);
  await expect(page.getByText('Nothing armed')).toBeVisible();
  await expect(metric('shares')).toHaveText('1');
  await expect(page.getByRole('status').filter({ hasText: 'Share: done' })).toBeVisible();

  // The faults lived in this page's engine only: the expose page has the real numbers.
  await page.goto(`/expose/${expose.exposeId}`);
  const card = page.locator(`article[data-expose-id="${expose.exposeId}"]`);
  await expect(card.locator('[data-metric="upvotes"]')).toHaveText('1');
  await expect(card.locator('[data-metric="shares"]')).toHaveText('1');
});

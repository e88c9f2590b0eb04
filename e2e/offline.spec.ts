import { expect, feedLookup, holdRequests, openExpose, test, untilFeedLists, type CreatedExpose } from './support/fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

/**
 * Issue 12, the offline-first client in Chromium: writes made offline wait in IndexedDB, survive a
 * reload (the service worker serves the visited page) and a closed page, are shared by the tabs of
 * one browser, and reach the server exactly once.
 */

const card = (page: Page, id: string) => page.locator(`article[data-expose-id="${id}"]`);
const banner = (page: Page) => page.locator('.ec-sync-status[role="status"]');

async function serverMetrics(request: APIRequestContext, id: string) {
  return ((await (await request.get(`/api/exposes/${id}`)).json()) as { metrics: Record<string, number> }).metrics;
}

/** The page is controlled by the service worker and its HTML is in the worker's cache. */
async function openCached(page: Page, expose: CreatedExpose) {
  await openExpose(page, expose.exposeId);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The first load ran before the worker controlled the page: load it once more through the worker.
  await page.reload();
  await expect
    .poll(() => page.evaluate(async () => (await caches.open('ec-1-pages')).keys().then((k) => k.map((r) => new URL(r.url).pathname))))
    .toContain(`/expose/${expose.exposeId}`);
}

test('vote, share and comment offline; reload offline keeps numbers and markers; closed and reopened online, each counts once', async ({
  page,
  context,
  expose,
  request,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openCached(page, expose);
  const c = card(page, expose.exposeId);

  await context.setOffline(true);
  await expect(banner(page)).toContainText("You're offline");
  await c.getByRole('button', { name: 'Upvote' }).click();
  await c.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('textbox', { name: 'Comment' }).fill('written on a train');
  await page.getByRole('button', { name: 'Post comment' }).click();
  await expect(banner(page)).toContainText('3 changes will sync');
  await expect(c.locator('[data-metric="upvotes"]')).toHaveText('1');
  await expect(c.locator('[data-metric="shares"]')).toHaveText('1');
  await expect(c.locator('[data-pending-metric="upvotes"]')).toContainText('pending');
  await expect(c.locator('[data-pending-metric="shares"]')).toBeVisible();
  const comment = page.locator('.ec-comment').filter({ hasText: 'written on a train' });
  await expect(comment).toContainText('will post when online');

  // Reload while offline: the worker serves the page; the queue (IndexedDB) puts the changes back.
  await page.reload();
  await expect(c.locator('[data-metric="upvotes"]')).toHaveText('1');
  await expect(c.locator('[data-metric="shares"]')).toHaveText('1');
  await expect(c.locator('[data-metric="comments"]')).toHaveText('1');
  await expect(c.locator('[data-pending-metric="upvotes"]')).toBeVisible();
  await expect(c.getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'true');
  await expect(banner(page)).toContainText('3 changes will sync');
  await expect(comment).toContainText('will post when online');
  expect(await serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 0, shares: 0, comments: 0 });

  // Close the page, go online, open the site: the queue is sent, each change counted once.
  await page.close();
  await context.setOffline(false);
  const again = await context.newPage();
  await again.goto('/new');
  await expect.poll(() => serverMetrics(request, expose.exposeId), { timeout: 15_000 }).toMatchObject({ upvotes: 1, shares: 1, comments: 1 });
  await expect(banner(again)).toContainText('All changes synced');
  await again.waitForTimeout(1500);
  expect(await serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 1, shares: 1, comments: 1 });
});

test('two pages of one browser share the queue: a vote in one shows pending in the other, and the server gets it once', async ({
  context,
  expose,
  request,
}) => {
  const a = await context.newPage();
  const b = await context.newPage();
  const votes: string[] = [];
  for (const p of [a, b]) p.on('request', (r) => r.url().endsWith('/api/expose/vote') && votes.push(r.method()));
  await openExpose(a, expose.exposeId);
  await openExpose(b, expose.exposeId);
  await context.setOffline(true);
  await card(b, expose.exposeId).getByRole('button', { name: 'Upvote' }).click();
  // The other page shows it at once (BroadcastChannel), pressed and marked pending.
  await expect(card(a, expose.exposeId).getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'true');
  await expect(card(a, expose.exposeId).locator('[data-metric="upvotes"]')).toHaveText('1');
  await expect(card(a, expose.exposeId).locator('[data-pending-metric="upvotes"]')).toBeVisible();
  await expect(banner(a)).toContainText('1 change will sync');
  await context.setOffline(false);
  await expect.poll(() => serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 1 });
  await expect(card(a, expose.exposeId).locator('[data-pending-metric="upvotes"]')).toHaveCount(0);
  await expect(card(b, expose.exposeId).locator('[data-pending-metric="upvotes"]')).toHaveCount(0);
  await a.waitForTimeout(1000);
  expect(votes).toEqual(['POST']);
  expect(await serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 1 });
});

test('a click right after load, before the own vote is known, toggles the real vote', async ({ page, expose, request }) => {
  // This browser's session has upvoted already.
  await page.goto('/new');
  const voted = await page.request.post('/api/expose/vote', {
    headers: { 'content-type': 'application/json', 'idempotency-key': `pre-${expose.exposeId}` },
    data: { exposeId: expose.exposeId, voteType: 'upvote' },
  });
  expect(voted.status()).toBe(200);
  await untilFeedLists(request, expose.exposeId);
  // The feed is the same for everyone: the own vote comes from a lookup, held back here.
  const held = await holdRequests(page, '**/api/expose/metrics?ids=*');
  await page.goto('/');
  const c = card(page, expose.exposeId);
  await expect.poll(() => held.held.length).toBeGreaterThan(0);
  await c.getByRole('button', { name: 'Upvote' }).click();
  const lookup = feedLookup(page, expose.exposeId);
  held.release();
  await lookup;
  // The click took the upvote back instead of setting it again.
  await expect(c.getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 0 });
});

test('a vote still inside its debounce when the page closes is queued on pagehide and sent by the next page, once', async ({
  context,
  expose,
  request,
}) => {
  const page = await context.newPage();
  const votes: string[] = [];
  page.on('request', (r) => void (r.url().endsWith('/api/expose/vote') && votes.push(r.method())));
  // The page's clock is paused while clicking: the 300 ms debounce cannot end before the page closes.
  await page.clock.install();
  await openExpose(page, expose.exposeId);
  await page.clock.pauseAt(Date.now() + 1_000);
  const upvote = card(page, expose.exposeId).getByRole('button', { name: 'Upvote' });
  await upvote.click();
  await page.clock.runFor(1); // a click before the own vote is known waits for its lookup (a 0 ms timer)
  await expect(upvote).toHaveAttribute('aria-pressed', 'true');
  await page.close({ runBeforeUnload: true });
  expect(votes).toEqual([]);

  const again = await context.newPage();
  await again.goto('/new');
  await expect.poll(() => serverMetrics(request, expose.exposeId), { timeout: 15_000 }).toMatchObject({ upvotes: 1 });
  await openExpose(again, expose.exposeId);
  await expect(card(again, expose.exposeId).getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'true');
  expect(await serverMetrics(request, expose.exposeId)).toMatchObject({ upvotes: 1 });
});

import type { Browser, Page } from '@playwright/test';
import { BROWSER_UA, expect, openExpose, test } from './support/fixtures';

/** Well under the 30 s periodic refresh (and there is none for comment lists): only the live stream is this fast. */
const LIVE_WITHIN_MS = 5_000;

/** A visitor with their own session on the expose page, its live stream open, marked to detect reloads. */
async function visitorOnExpose(browser: Browser, exposeId: string) {
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const streaming = page.waitForResponse((r) => r.url().includes('/api/expose/stream?') && r.url().includes(exposeId));
  await openExpose(page, exposeId);
  expect((await streaming).status()).toBe(200);
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  return { context, page };
}

const sameDocument = (page: Page) => page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument === true);
const commentList = (page: Page) => page.locator('.ec-comments__list .ec-comment__body');
const commentBox = (page: Page) => page.getByLabel('Comment', { exact: true });

test('a comment posted in one browser appears in the other’s list without a reload, once in each', async ({ browser, expose }) => {
  const alice = await visitorOnExpose(browser, expose.exposeId);
  const bob = await visitorOnExpose(browser, expose.exposeId);
  try {
    await expect(bob.page.getByText('No comments yet.')).toBeVisible();
    await commentBox(alice.page).fill('First, from Alice');
    await alice.page.getByRole('button', { name: 'Post comment' }).click();
    await expect(commentList(bob.page)).toHaveText(['First, from Alice'], { timeout: LIVE_WITHIN_MS });
    await expect(bob.page.getByText('No comments yet.')).toHaveCount(0);
    await expect(bob.page.getByRole('heading', { name: 'Comments (1)' })).toBeVisible();

    await commentBox(bob.page).fill('Reply from Bob');
    await bob.page.getByRole('button', { name: 'Post comment' }).click();
    // Newest first on both pages, and each person's own comment shown once.
    await expect(commentList(alice.page)).toHaveText(['Reply from Bob', 'First, from Alice'], { timeout: LIVE_WITHIN_MS });
    await expect(commentList(bob.page)).toHaveText(['Reply from Bob', 'First, from Alice']);
    await expect(commentBox(bob.page)).toHaveValue('');
    expect(await sameDocument(alice.page)).toBe(true);
    expect(await sameDocument(bob.page)).toBe(true);

    // A reload shows the same list, in the same order, from the server's pages.
    await bob.page.reload();
    await expect(commentList(bob.page)).toHaveText(['Reply from Bob', 'First, from Alice']);
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('a comment whose post fails keeps its text in the box and the list until it is sent', async ({ page, expose }) => {
  await page.context().route('**/api/expose/comments', (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'busy' } }) })
      : route.continue(),
  );
  await openExpose(page, expose.exposeId);
  await commentBox(page).fill('Do not lose me');
  await page.getByRole('button', { name: 'Post comment' }).click();
  // The engine retries a 503 (1 s, 2 s, 4 s), then gives up and says so. (A network error would not
  // be retried into the void: the comment waits in the offline queue, e2e/offline.spec.ts.)
  await expect(page.locator('.ec-comments__error')).toContainText('Your comment could not be posted.', { timeout: 20_000 });
  await expect(commentBox(page)).toHaveValue('Do not lose me');
  await expect(commentList(page)).toHaveText(['Do not lose me']);
  await expect(page.locator('.ec-comment--failed')).toContainText('not sent');

  await page.context().unroute('**/api/expose/comments');
  await page.locator('.ec-comments__error').getByRole('button', { name: 'Retry' }).click();
  await expect(commentBox(page)).toHaveValue('');
  await expect(page.locator('.ec-comments__error')).toHaveCount(0);
  await expect(commentList(page)).toHaveText(['Do not lose me']);
  await page.reload();
  await expect(commentList(page)).toHaveText(['Do not lose me']);
});

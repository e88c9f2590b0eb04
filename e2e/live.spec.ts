import type { Browser, Page } from '@playwright/test';
import { BROWSER_UA, expect, openExpose, test, untilFeedLists } from './support/fixtures';

const cardOf = (page: Page, exposeId: string) => page.locator(`article[data-expose-id="${exposeId}"]`);

/** Well under the 30 s periodic refresh: whatever arrives this fast came over the live stream. */
const LIVE_WITHIN_MS = 5_000;

/**
 * A visitor of their own (own browser context, so own session cookie) on the feed, with the page's
 * live stream for `exposeId` open. The stream opening also shows that the page has hydrated.
 */
async function visitorOnFeed(browser: Browser, exposeId: string, permissions: string[] = []) {
  const context = await browser.newContext({ userAgent: BROWSER_UA, permissions });
  const page = await context.newPage();
  await untilFeedLists(page.request, exposeId);
  const streaming = page.waitForResponse((r) => r.url().includes('/api/expose/stream?') && r.url().includes(exposeId));
  await page.goto('/');
  expect((await streaming).status()).toBe(200);
  // Set on this document only: still there at the end means the page was never reloaded.
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  return { context, page, card: cardOf(page, exposeId) };
}

const sameDocument = (page: Page) => page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument === true);

test('a vote by one visitor shows on another visitor’s feed without a reload', async ({ browser, expose }) => {
  const alice = await visitorOnFeed(browser, expose.exposeId);
  const bob = await visitorOnFeed(browser, expose.exposeId);
  try {
    const bobUpvotes = bob.card.locator('[data-metric="upvotes"]');
    await expect(bobUpvotes).toHaveText('0');

    await alice.card.getByRole('button', { name: 'Upvote' }).click();
    await expect(alice.card.locator('[data-metric="upvotes"]')).toHaveText('1');

    await expect(bobUpvotes).toHaveText('1', { timeout: LIVE_WITHIN_MS });
    await expect(bob.card.locator('[data-metric="netVotes"]')).toHaveText('1');
    // The count moved, but the vote is Alice's: Bob's button stays unpressed.
    await expect(bob.card.getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'false');

    await alice.card.getByRole('button', { name: 'Downvote' }).click();
    await expect(bob.card.locator('[data-metric="downvotes"]')).toHaveText('1', { timeout: LIVE_WITHIN_MS });
    await expect(bobUpvotes).toHaveText('0');
    await expect(bob.card.locator('[data-metric="netVotes"]')).toHaveText('-1');
    expect(await sameDocument(bob.page)).toBe(true);
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('a share on the feed and a comment on the expose page reach another visitor’s feed live', async ({ browser, expose }) => {
  // Sharing copies the link where there is no share sheet, which needs clipboard access.
  const alice = await visitorOnFeed(browser, expose.exposeId, ['clipboard-read', 'clipboard-write']);
  const bob = await visitorOnFeed(browser, expose.exposeId);
  try {
    const bobShares = bob.card.locator('[data-metric="shares"]');
    const bobComments = bob.card.locator('[data-metric="comments"]');
    await expect(bobShares).toHaveText('0');
    await expect(bobComments).toHaveText('0');

    const shared = alice.page.waitForResponse('**/api/expose/share');
    await alice.card.getByRole('button', { name: 'Share' }).click();
    expect((await shared).status()).toBe(200);
    await expect(bobShares).toHaveText('1', { timeout: LIVE_WITHIN_MS });

    await openExpose(alice.page, expose.exposeId);
    await alice.page.getByRole('textbox', { name: 'Comment' }).fill('Seen live on another screen.');
    const posted = alice.page.waitForResponse('**/api/expose/comments');
    await alice.page.getByRole('button', { name: 'Post comment' }).click();
    expect((await posted).status()).toBe(201);
    await expect(bobComments).toHaveText('1', { timeout: LIVE_WITHIN_MS });
    expect(await sameDocument(bob.page)).toBe(true);
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

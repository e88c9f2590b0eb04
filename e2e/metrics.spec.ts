import type { Page } from '@playwright/test';
import { BROWSER_UA, expect, holdRequests, openExpose, test, untilFeedLists } from './support/fixtures';

const cardOf = (page: Page, exposeId: string) => page.locator(`article[data-expose-id="${exposeId}"]`);

test.describe('votes', () => {
  test('an upvote shows before the server answers, and stays after a reload', async ({ page, expose }) => {
    await openExpose(page, expose.exposeId);
    const card = cardOf(page, expose.exposeId);
    const upvote = card.getByRole('button', { name: 'Upvote' });
    const upvotes = card.locator('[data-metric="upvotes"]');
    await expect(upvotes).toHaveText('0');
    await expect(upvote).toHaveAttribute('aria-pressed', 'false');

    const vote = await holdRequests(page, '**/api/expose/vote');
    await upvote.click();
    // The request has left and the server has not answered: the card already counts the vote.
    await expect.poll(() => vote.held.length).toBe(1);
    expect(JSON.parse(vote.held[0] ?? '{}')).toEqual({ exposeId: expose.exposeId, voteType: 'upvote' });
    await expect(upvotes).toHaveText('1');
    await expect(card.locator('[data-metric="netVotes"]')).toHaveText('1');
    await expect(upvote).toHaveAttribute('aria-pressed', 'true');
    await expect(card.getByText('syncing…')).toBeVisible();

    const answered = page.waitForResponse('**/api/expose/vote');
    vote.release();
    const reply = await answered;
    expect(reply.status()).toBe(200);
    expect(await reply.json()).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 1, netVotes: 1 } });
    await expect(card.getByText('syncing…')).toBeHidden();
    await expect(upvotes).toHaveText('1');
    await page.unroute('**/api/expose/vote');

    await openExpose(page, expose.exposeId);
    await expect(upvotes).toHaveText('1');
    await expect(upvote).toHaveAttribute('aria-pressed', 'true');

    // Reddit semantics: pressing Upvote again withdraws the vote, and that persists too.
    const withdrawn = page.waitForResponse('**/api/expose/vote');
    await upvote.click();
    await expect(upvotes).toHaveText('0');
    await expect(upvote).toHaveAttribute('aria-pressed', 'false');
    expect(await (await withdrawn).json()).toMatchObject({ myVote: null, metrics: { upvotes: 0 } });
    await openExpose(page, expose.exposeId);
    await expect(upvotes).toHaveText('0');
    await expect(upvote).toHaveAttribute('aria-pressed', 'false');
  });

  test('when every vote request fails, the vote rolls back after the retries and Retry sends it again', async ({ page, expose }) => {
    await openExpose(page, expose.exposeId);
    const card = cardOf(page, expose.exposeId);
    const upvote = card.getByRole('button', { name: 'Upvote' });
    const upvotes = card.locator('[data-metric="upvotes"]');

    const attempts: { at: number; key: string | undefined }[] = [];
    await page.route('**/api/expose/vote', (route) => {
      attempts.push({ at: Date.now(), key: route.request().headers()['idempotency-key'] });
      return route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong.' } }),
      });
    });
    await upvote.click();
    await expect(upvotes).toHaveText('1');
    await expect(upvote).toHaveAttribute('aria-pressed', 'true');

    // 300 ms debounce + 4 attempts with 1 s, 2 s and 4 s between them: about 7.5 s.
    const alert = card.getByRole('alert');
    await expect(alert).toContainText('Your vote could not be saved.', { timeout: 20_000 });
    await expect(upvotes).toHaveText('0');
    await expect(upvote).toHaveAttribute('aria-pressed', 'false');
    expect(attempts).toHaveLength(4);
    // One operation: every attempt carries the same Idempotency-Key.
    expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
    expect(attempts[0]?.key).toMatch(/^[\x21-\x7E]{1,128}$/);
    const gaps = attempts.slice(1).map((a, i) => a.at - (attempts[i]?.at ?? 0));
    [1000, 2000, 4000].forEach((backoff, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(backoff - 100);
      expect(gaps[i]).toBeLessThan(backoff + 1500);
    });

    // The server is back: Retry sends the vote again and it sticks.
    await page.unroute('**/api/expose/vote');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/expose/vote') && r.status() === 200);
    await alert.getByRole('button', { name: 'Retry' }).click();
    await expect(upvotes).toHaveText('1');
    await expect(upvote).toHaveAttribute('aria-pressed', 'true');
    await expect(alert).toBeHidden();
    expect(await (await saved).json()).toMatchObject({ myVote: 'upvote', metrics: { upvotes: 1 } });
    await openExpose(page, expose.exposeId);
    await expect(upvotes).toHaveText('1');
    await expect(upvote).toHaveAttribute('aria-pressed', 'true');
  });
});

test('a posted comment shows at once as text, moves the count and survives a reload', async ({ page, expose }) => {
  await openExpose(page, expose.exposeId);
  const card = cardOf(page, expose.exposeId);
  const section = page.getByRole('region', { name: /^Comments/ });
  const count = card.locator('[data-metric="comments"]');
  await expect(count).toHaveText('0');
  await expect(section.getByText('No comments yet.')).toBeVisible();

  const text = `<b>x</b> is not bold ${Date.now().toString(36)}`;
  const post = await holdRequests(page, '**/api/expose/comments');
  await section.getByLabel('Comment', { exact: true }).fill(text);
  await section.getByRole('button', { name: 'Post comment' }).click();

  // Shown while the server has not answered yet.
  await expect.poll(() => post.held.length).toBe(1);
  const item = section.getByRole('listitem').filter({ hasText: text });
  await expect(item).toBeVisible();
  await expect(item).toContainText('sending…');
  await expect(count).toHaveText('1');
  await expect(section.getByRole('heading', { name: 'Comments (1)' })).toBeVisible();
  // The box keeps the text until the server has the comment (nothing typed is lost if it fails).
  await expect(section.getByLabel('Comment', { exact: true })).toHaveValue(text);
  await expect(section.getByRole('button', { name: 'Posting…' })).toBeDisabled();

  const created = page.waitForResponse('**/api/expose/comments');
  post.release();
  expect((await created).status()).toBe(201);
  await expect(item).not.toContainText('sending…');
  await expect(section.getByLabel('Comment', { exact: true })).toHaveValue('');
  await page.unroute('**/api/expose/comments');

  await openExpose(page, expose.exposeId);
  await expect(count).toHaveText('1');
  await expect(section.getByRole('heading', { name: 'Comments (1)' })).toBeVisible();
  const body = section.locator('.ec-comment__body');
  await expect(body).toHaveCount(1);
  await expect(body).toHaveText(text);
  // Rendered as text, never as markup.
  await expect(section.locator('.ec-comment__body b')).toHaveCount(0);
});

test.describe('views', () => {
  test.use({ userAgent: BROWSER_UA });

  test('the expose page sends one view per page view; the server counts the visitor once', async ({ page, expose }) => {
    const views: unknown[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/expose/views')) views.push(r.postDataJSON());
    });
    const counted = page.waitForResponse('**/api/expose/views');
    await page.goto(`/expose/${expose.exposeId}`);
    expect(await (await counted).json()).toMatchObject({ counted: true, metrics: { views: 1 } });
    const viewsShown = cardOf(page, expose.exposeId).locator('[data-metric="views"]');
    await expect(viewsShown).toHaveText('1');

    const again = page.waitForResponse('**/api/expose/views');
    await page.reload();
    expect(await (await again).json()).toMatchObject({ counted: false, metrics: { views: 1 } });
    await expect(viewsShown).toHaveText('1');
    expect(views).toEqual([{ exposeId: expose.exposeId }, { exposeId: expose.exposeId }]);
  });

  test('the feed counts a view once a card has been half visible for a second', async ({ page, expose }) => {
    const viewed = new Map<string, number>();
    page.on('request', (r) => {
      if (r.url().endsWith('/api/expose/views')) viewed.set((r.postDataJSON() as { exposeId: string }).exposeId, Date.now());
    });
    await untilFeedLists(page.request, expose.exposeId);
    const start = Date.now();
    await page.goto('/');
    const top = cardOf(page, expose.exposeId);
    await expect(top).toBeInViewport({ ratio: 0.5 });
    const last = page.locator('article[data-expose-id]').last();
    const lastId = await last.getAttribute('data-expose-id');
    expect(lastId).not.toBe(expose.exposeId);
    await expect(last).not.toBeInViewport();

    await expect(top.locator('[data-metric="views"]')).toHaveText('1');
    expect((viewed.get(expose.exposeId) ?? 0) - start).toBeGreaterThanOrEqual(1000);
    // A card never scrolled into view is not counted...
    expect(viewed.has(lastId ?? '')).toBe(false);
    // ...until it has been on screen for a second.
    const scrolledAt = Date.now();
    await last.scrollIntoViewIfNeeded();
    await expect.poll(() => viewed.get(lastId ?? ''), { timeout: 5_000 }).toBeGreaterThanOrEqual(scrolledAt + 900);
  });
});

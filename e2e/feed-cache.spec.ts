import type { Browser, Page } from '@playwright/test';
import { BROWSER_UA, expect, feedLookup, test, untilFeedLists } from './support/fixtures';

// The feed is one page for every visitor, replayed from a server-side cache for about a second.
// ARCHITECTURE.md, "Feed cache".

const cardOf = (page: Page, exposeId: string) => page.locator(`article[data-expose-id="${exposeId}"]`);

async function visitor(browser: Browser) {
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  return { context, page: await context.newPage() };
}

test('the feed is replayed to everyone without a cookie: public for a shared cache until the visitor has a session', async ({ request, playwright }) => {
  const first = await request.get('/');
  expect(first.status()).toBe(200);
  // Pages never set the session cookie (issue 16): the page's first API call does.
  expect(first.headers()['set-cookie']).toBeUndefined();
  expect(first.headers()['cache-control']).toMatch(/^public, s-maxage=1, stale-while-revalidate=\d+$/);

  const stranger = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    const theirs = await stranger.get('/');
    expect(theirs.headers()['x-ec-page-cache']).toMatch(/^(hit|stale|miss)$/);
    expect(theirs.headers()['set-cookie']).toBeUndefined();
  } finally {
    await stranger.dispose();
  }

  await request.get('/api/health'); // the first API reply gives the session
  const later = await request.get('/'); // the request context sends the cookie back
  expect(later.status()).toBe(200);
  expect(later.headers()['set-cookie']).toBeUndefined();
  // Private with a session, but without no-store: the browser may keep the feed in its
  // back/forward cache (issue 17; e2e/polish.spec.ts).
  expect(later.headers()['cache-control']).toContain('private');
  expect(later.headers()['cache-control']).not.toContain('no-store');
  expect(await later.text()).toContain('Latest exposes');
});

test('the cached feed carries nobody’s vote; each visitor sees their own after hydration, also after a reload', async ({ browser, expose }) => {
  const alice = await visitor(browser);
  const bob = await visitor(browser);
  try {
    await untilFeedLists(alice.page.request, expose.exposeId);
    const hydrated = feedLookup(alice.page, expose.exposeId);
    await alice.page.goto('/');
    await hydrated;
    const aliceUp = cardOf(alice.page, expose.exposeId).getByRole('button', { name: 'Upvote' });
    const voted = alice.page.waitForResponse((r) => r.url().endsWith('/api/expose/vote') && r.status() === 200);
    await aliceUp.click();
    await voted;

    const lookups: string[] = [];
    alice.page.on('request', (r) => {
      if (r.url().includes('/api/expose/metrics?')) lookups.push(r.url());
    });
    const looked = feedLookup(alice.page, expose.exposeId);
    const document = await alice.page.reload();
    const html = (await document?.text()) ?? '';
    // The HTML is the shared one: no pressed vote button, no session id in it...
    expect(html).toContain(`data-expose-id="${expose.exposeId}"`);
    expect(html).not.toContain('aria-pressed="true"');
    const sid = (await alice.context.cookies()).find((c) => c.name === 'ec_sid')?.value.split('.')[0] ?? '';
    expect(sid.length).toBeGreaterThan(10);
    expect(html).not.toContain(sid);
    // ...and the page fetches Alice's votes in one batched request, which highlights hers.
    await looked;
    await expect(aliceUp).toHaveAttribute('aria-pressed', 'true');
    await expect(cardOf(alice.page, expose.exposeId).locator('[data-metric="upvotes"]')).toHaveText('1');
    expect(lookups).toHaveLength(1);

    const bobLooked = feedLookup(bob.page, expose.exposeId);
    const bobDocument = await bob.page.goto('/');
    expect(await bobDocument?.text()).not.toContain('aria-pressed="true"');
    await bobLooked;
    const bobCard = cardOf(bob.page, expose.exposeId);
    await expect(bobCard.locator('[data-metric="upvotes"]')).toHaveText('1');
    await expect(bobCard.getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'false');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('a new expose shows in the feed also when the feed is reached by client-side navigation', async ({ browser, createExpose }) => {
  const { context, page } = await visitor(browser);
  try {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Latest exposes' })).toBeVisible();
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    // Client-side to /new and back: the client router must not show a feed kept from before the
    // expose below existed.
    await page.getByRole('link', { name: 'New expose' }).click();
    await expect(page.getByRole('button', { name: 'Publish' })).toBeVisible();

    const created = await createExpose(`Reached by navigation ${Date.now().toString(36)}`);
    await untilFeedLists(page.request, created.exposeId);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feed' }).click();
    await expect(cardOf(page, created.exposeId)).toBeVisible();
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument === true)).toBe(true);
  } finally {
    await context.close();
  }
});

import type { Browser, Page } from '@playwright/test';
import { startVarnish, type RunningVarnish } from '../tests/helpers/varnish';
import { BROWSER_UA, expect, feedLookup, test, untilFeedLists } from './support/fixtures';

// The built app behind a real Varnish running deploy/varnish/default.vcl (issue 16, docs/SCALING.md
// "Pages a CDN can cache"): the proxy listens on the port after the app's.
const APP_PORT = Number(process.env.E2E_PORT ?? 3123);
let varnish: RunningVarnish;
test.beforeAll(async () => {
  varnish = await startVarnish(APP_PORT + 1, APP_PORT);
});
test.afterAll(async () => {
  await varnish?.stop();
});

const cardOf = (page: Page, exposeId: string) => page.locator(`article[data-expose-id="${exposeId}"]`);
const hit = (headers: Record<string, string>) => /^\d+ \d+$/.test(headers['x-varnish'] ?? '');

async function visitor(browser: Browser) {
  const context = await browser.newContext({ userAgent: BROWSER_UA, baseURL: varnish.url });
  return { context, page: await context.newPage() };
}

test('cookie-less pages and the build files come from the proxy’s copy, without a cookie', async ({ playwright, expose }) => {
  const api = await playwright.request.newContext({ baseURL: varnish.url });
  try {
    for (const path of ['/', `/expose/${expose.exposeId}`]) {
      const first = await api.get(path);
      expect(first.status()).toBe(200);
      expect(first.headers()['set-cookie']).toBeUndefined();
      expect(first.headers()['cache-control']).toMatch(/^public, s-maxage=1, stale-while-revalidate=\d+$/);
      const second = await api.get(path);
      expect(hit(second.headers()), `${path}: ${second.headers()['x-varnish']}`).toBe(true);
      // The copy replays its render's nonce in both the CSP and the scripts (docs/SECURITY.md).
      const nonce = /'nonce-([^']+)'/.exec(second.headers()['content-security-policy'] ?? '')?.[1];
      expect(await second.text()).toContain(`nonce="${nonce}"`);
    }
    const html = await (await api.get('/')).text();
    const asset = /\/_next\/static\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    await api.get(asset!);
    const again = await api.get(asset!);
    expect(again.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(again.headers()['set-cookie']).toBeUndefined();
    expect(hit(again.headers())).toBe(true);
  } finally {
    await api.dispose();
  }
});

test('through the proxy a visitor’s own vote shows after hydration, on the shared feed and on the expose page', async ({ browser, expose }) => {
  const alice = await visitor(browser);
  const bob = await visitor(browser);
  try {
    // Alice's first page has no cookie: the shared copy; her session comes with the page's first API reply.
    const looked = alice.page.waitForResponse((r) => r.url().includes('/api/expose/metrics?ids=') && r.url().includes(expose.exposeId));
    const first = await alice.page.goto(`/expose/${expose.exposeId}`);
    expect(first?.headers()['set-cookie']).toBeUndefined();
    await looked;
    await expect.poll(async () => (await alice.context.cookies()).some((c) => c.name === 'ec_sid')).toBe(true);
    const up = cardOf(alice.page, expose.exposeId).getByRole('button', { name: 'Upvote' });
    const voted = alice.page.waitForResponse((r) => r.url().endsWith('/api/expose/vote') && r.status() === 200);
    await up.click();
    await voted;
    await expect(up).toHaveAttribute('aria-pressed', 'true');

    // The feed: one shared copy for everyone (the proxy drops cookies for it), so Alice's vote is not
    // in its HTML; the engine looks it up after hydration.
    // (A copy may be up to ~6 s old after a quiet spell: wait until the proxy's copy lists the expose.)
    await untilFeedLists(alice.page.request, expose.exposeId);
    const feedLooked = feedLookup(alice.page, expose.exposeId);
    const feed = await alice.page.goto('/');
    expect(await feed?.text()).not.toContain('aria-pressed="true"');
    await feedLooked;
    await expect(cardOf(alice.page, expose.exposeId).getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'true');

    // The expose page with her session: rendered for her, not from the proxy's copy.
    const mine = await alice.page.goto(`/expose/${expose.exposeId}`);
    expect(mine?.headers()['cache-control']).toContain('private');
    await expect(cardOf(alice.page, expose.exposeId).getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'true');

    // Bob, without a session, gets the shared copy: Alice's vote counted, not shown as his.
    const bobLooked = bob.page.waitForResponse((r) => r.url().includes('/api/expose/metrics?ids=') && r.url().includes(expose.exposeId));
    await bob.page.goto(`/expose/${expose.exposeId}`);
    await bobLooked;
    const bobCard = cardOf(bob.page, expose.exposeId);
    await expect(bobCard.locator('[data-metric="upvotes"]')).toHaveText('1');
    await expect(bobCard.getByRole('button', { name: 'Upvote' })).toHaveAttribute('aria-pressed', 'false');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

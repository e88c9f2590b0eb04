import type { Page } from '@playwright/test';
import { BROWSER_UA, expect, feedLookup, openExpose, test, untilFeedLists } from './support/fixtures';

// Every page runs under a CSP without 'unsafe-inline' scripts (docs/SECURITY.md, "Headers and
// cookies"): Next's scripts carry the render's nonce, and the browser reports nothing.

test.use({ userAgent: BROWSER_UA });

/**
 * Collects CSP violations of every document the page loads: the securitypolicyviolation events
 * (reported to the test as they happen) and the browser's console errors about the policy.
 */
async function watchCsp(page: Page) {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) seen.push(msg.text());
  });
  await page.exposeFunction('__reportCsp', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp(v: string): void }).__reportCsp(`${location.pathname}: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { violations: async () => [...seen] };
}

async function expectStrictPolicy(page: Page, response: Awaited<ReturnType<Page['goto']>>) {
  const headers = response!.headers();
  const csp = headers['content-security-policy'] ?? '';
  const script = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
  expect(script).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  expect(script).not.toContain("'unsafe-inline'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  // The nonce in the header is the one on the page's scripts (also for a replayed feed).
  const nonce = /'nonce-([^']+)'/.exec(script)![1];
  const html = await response!.text();
  expect(html).toContain(`nonce="${nonce}"`);
}

test('pages run under the CSP without a single violation', async ({ page, expose }) => {
  const csp = await watchCsp(page);

  await untilFeedLists(page.request, expose.exposeId);
  for (let i = 0; i < 2; i++) {
    // The second load is normally replayed from the feed cache: same bytes, same nonce.
    const looked = feedLookup(page, expose.exposeId);
    await expectStrictPolicy(page, await page.goto('/'));
    await looked; // the page's engine runs: its scripts were allowed
  }

  const exposePage = page.waitForResponse((r) => r.url().endsWith(`/expose/${expose.exposeId}`));
  await openExpose(page, expose.exposeId);
  await expectStrictPolicy(page, await exposePage);

  await expectStrictPolicy(page, await page.goto(`/test-real-time-metrics?expose=${expose.exposeId}`));
  await expect(page.getByRole('status').filter({ hasText: 'Engine running' })).toBeVisible();

  await expectStrictPolicy(page, await page.goto('/new'));
  await page.getByLabel('Title').fill('Written under a CSP');
  await page.getByLabel('Body').fill('The form is client code, so it ran.');
  await page.getByRole('button', { name: /publish|create|post/i }).click();
  await expect(page).toHaveURL(/\/expose\/[A-Za-z0-9_-]+\?published=1$/); // with the share moment (PublishedNotice)

  expect(await csp.violations()).toEqual([]);

  // The watch itself works: markup injected into a page (kept with its real headers) cannot run a
  // script of its own, and the browser reports it.
  // On the context: the offline service worker now fetches the page, and page.route does not see
  // a worker's requests.
  await page.context().route('**/new', async (route) => {
    const real = await route.fetch();
    const html = (await real.text()).replace('<body>', '<body><script>window.__injected = true</script>');
    await route.fulfill({ response: real, body: html });
  });
  await page.goto('/new');
  await expect.poll(() => csp.violations()).toContain('/new: script-src-elem inline');
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
});

test('static assets carry no cookie and may be cached by anyone for a year', async ({ playwright }) => {
  const anon = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    const html = await (await anon.get('/new')).text();
    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const fresh = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
    try {
      const res = await fresh.get(asset!);
      expect(res.status()).toBe(200);
      expect(res.headers()['set-cookie']).toBeUndefined();
      expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers()['x-content-type-options']).toBe('nosniff');
    } finally {
      await fresh.dispose();
    }
  } finally {
    await anon.dispose();
  }
});

import { request as playwrightRequest } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { startOwnServer } from './support/own-server';

/**
 * Cards fully visible above the fold of a 1280x800 window on a feed of 30 exposes, measured on the
 * card markup before issue 17 (docs/BENCHMARKS.md "Feed density"): 2. The dense card must
 * at least double it.
 */
const CARDS_ABOVE_FOLD_BEFORE = 2;

let server: Awaited<ReturnType<typeof startOwnServer>>;

test.beforeAll(async () => {
  server = await startOwnServer();
  const api = await playwrightRequest.newContext({ baseURL: server.baseURL });
  for (let i = 0; i < 30; i++) {
    const res = await api.post('/api/exposes', {
      headers: { 'content-type': 'application/json' },
      data: { title: `A title of an ordinary length, number ${i}`, body: 'A body of a few sentences. '.repeat(8), ttlHours: 12 },
    });
    expect(res.status()).toBe(201);
  }
  await api.dispose();
});
test.afterAll(async () => {
  await server?.stop();
});

test('at 1280x800 at least twice as many exposes are fully above the fold as before', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.baseURL, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto('/');
  const cards = page.locator('article[data-expose-id]');
  await expect(cards).toHaveCount(30);
  await page.screenshot({ path: test.info().outputPath('feed-1280x800.png') });
  const boxes = await cards.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().bottom));
  const above = boxes.filter((bottom) => bottom <= 800).length;
  test.info().annotations.push({ type: 'cards above the fold', description: String(above) });
  console.log(`cards fully above the fold at 1280x800: ${above}`);
  expect(above).toBeGreaterThanOrEqual(2 * CARDS_ABOVE_FOLD_BEFORE);
  await context.close();
});

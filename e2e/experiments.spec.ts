import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from './support/admin';
import { BROWSER_UA, expect, openExpose, test } from './support/fixtures';

/**
 * The vote-debounce experiment end to end (docs/EXPERIMENTS.md): started through the admin
 * endpoint, two browser sessions in its two variants, the same clicks giving different requests,
 * and both sessions' exposures and outcomes in the dashboard's panel. Time in the pages is
 * Playwright's clock, paused while clicking and moved on by hand, so that "within the debounce
 * window" never depends on how fast this machine is.
 */
const KEY = 'vote-debounce';
const ADMIN = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

let api: APIRequestContext;
test.beforeAll(async ({ playwright }, info) => {
  api = await playwright.request.newContext({ baseURL: info.project.use.baseURL });
});
// Experiments are off by default: pausing it again leaves every other spec with the default policy
// (stopping would be final for the rest of this server's life).
test.afterAll(async () => {
  await api.post(`/api/admin/experiments/${KEY}/pause`, { headers: ADMIN, data: {} });
  await api.dispose();
});

interface Session {
  context: BrowserContext;
  page: Page;
  variant: string;
  /** voteType of every POST /api/expose/vote this page made, in order. */
  votes: string[];
  exposures: number[];
}

/** A new browser session on the expose page, with its variant as the page's engine and the API know it. */
async function newSession(browser: Browser, exposeId: string): Promise<Session> {
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const votes: string[] = [];
  const exposures: number[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/expose/vote')) votes.push((r.postDataJSON() as { voteType: string }).voteType);
  });
  page.on('response', (r) => {
    if (r.url().endsWith('/api/experiments/exposures')) exposures.push(r.status());
  });
  await page.clock.install();
  const viewed = page.waitForResponse((r) => r.url().endsWith('/api/expose/views'));
  await openExpose(page, exposeId);
  await viewed;
  // The engine has its assignments once <html data-ec-variants> is set.
  await expect(page.locator('html')).toHaveAttribute('data-ec-variants', new RegExp(`${KEY}:`));
  const engineSays = (await page.locator('html').getAttribute('data-ec-variants'))!.split(' ').find((v) => v.startsWith(`${KEY}:`))!.slice(KEY.length + 1);
  const { assignments } = (await page.evaluate(() => fetch('/api/experiments').then((r) => r.json()))) as { assignments: { experiment: string; variant: string }[] };
  const variant = assignments.find((a) => a.experiment === KEY)!.variant;
  expect(engineSays).toBe(variant);
  return { context, page, variant, votes, exposures };
}

/** Upvote, upvote again (withdraws it), then upvote once more; the page's clock moves only as said. */
async function clickTwiceThenOnce(s: Session) {
  const upvote = s.page.getByRole('button', { name: 'Upvote' });
  // The page's view (before any exposure) goes in a batch of its own, untagged.
  await s.page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
  await s.page.clock.pauseAt(Date.now() + 1_000);
  await upvote.click();
  await s.page.clock.runFor(1); // 1 ms: less than the 300 ms window
  // The immediate variant has sent its vote by now (on a timer of 0 ms); wait for it to leave.
  if (s.variant === 'immediate') await expect.poll(() => s.votes.length).toBe(1);
  await upvote.click();
  await s.page.clock.runFor(1);
  if (s.variant === 'immediate') await expect.poll(() => s.votes.length).toBe(2);
  await s.page.clock.runFor(1_000); // past any debounce: the 300 ms variant decides now
  // A last upvote, after everything above: once it has left, every earlier click was sent or dropped.
  await upvote.click();
  await s.page.clock.runFor(1_000);
  await expect.poll(() => s.votes.at(-1)).toBe('upvote');
  await expect(upvote).toHaveAttribute('aria-pressed', 'true');
  await expect(s.page.getByText('syncing…')).toBeHidden();
  await s.page.clock.resume();
}

test('vote-debounce: two sessions in different variants send different votes; their exposures and outcomes reach the dashboard', async ({ browser, expose }) => {
  test.setTimeout(120_000);
  const started = await api.post(`/api/admin/experiments/${KEY}/start`, { headers: ADMIN, data: {} });
  expect(started.status(), await started.text()).toBe(200);
  expect(await started.json()).toMatchObject({ key: KEY, status: 'running', active: true });
  const before = ((await (await api.get('/api/admin/experiments', { headers: ADMIN })).json()) as { experiments: Summary[] }).experiments.find((e) => e.key === KEY)!;

  // Deterministic assignment from the session id: new sessions until one of each variant is seen.
  const sessions = new Map<string, Session>();
  for (let i = 0; i < 30 && sessions.size < 2; i++) {
    const s = await newSession(browser, expose.exposeId);
    if (sessions.has(s.variant)) await s.context.close();
    else sessions.set(s.variant, s);
  }
  expect([...sessions.keys()].sort()).toEqual(['debounce-300', 'immediate']);
  const quick = sessions.get('immediate')!;
  const waiting = sessions.get('debounce-300')!;

  for (const s of [quick, waiting]) await clickTwiceThenOnce(s);
  // Sent at once, every click is a request: up, withdrawn, up again.
  expect(quick.votes).toEqual(['upvote', 'none', 'upvote']);
  // Two clicks within the 300 ms window end where they began: nothing is sent for them.
  expect(waiting.votes).toEqual(['upvote']);
  // Each session reported its exposure once, at its first vote.
  for (const s of [quick, waiting]) await expect.poll(() => s.exposures).toEqual([200]);

  // Their telemetry (tagged with the variant) leaves when the page is hidden.
  for (const s of [quick, waiting]) await s.page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
  await expect
    .poll(async () => {
      const list = ((await (await api.get('/api/admin/experiments', { headers: ADMIN })).json()) as { experiments: Summary[] }).experiments;
      const e = list.find((x) => x.key === KEY)!;
      return e.variants.map((v) => {
        const b = before.variants.find((x) => x.key === v.key)!;
        return { key: v.key, exposures: v.exposures - b.exposures, operations: v.operations - b.operations };
      });
    })
    .toEqual([
      // debounce-300: the last upvote (the two merged clicks were never sent: dropped, not an operation).
      { key: 'debounce-300', exposures: 1, operations: 1 },
      // immediate: three votes.
      { key: 'immediate', exposures: 1, operations: 3 },
    ]);

  // The dashboard's panel shows them, with the plan and "not yet conclusive".
  const admin = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await admin.newPage();
  expect((await page.request.post('/api/admin/login', { data: { token: E2E_ADMIN_TOKEN } })).status()).toBe(204);
  await page.goto('/dashboard');
  const panel = page.locator(`[data-panel="experiments"] [data-experiment="${KEY}"]`);
  await expect(panel.getByTestId(`status-${KEY}`)).toContainText('running');
  for (const variant of ['debounce-300', 'immediate']) {
    const row = panel.locator(`tr[data-variant="${variant}"]`);
    await expect(row.locator('[data-exposures]')).not.toHaveText('0');
    await expect(row.locator('[data-operations]')).not.toHaveText('0');
  }
  await expect(panel.getByTestId(`verdict-${KEY}`)).toContainText('Not yet conclusive');
  await expect(panel.locator('[data-comparison="immediate"] tr[data-metric="engagement"]')).toBeVisible();
  await expect(panel.getByRole('button', { name: `Pause ${KEY}` })).toBeVisible();

  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).include('[data-panel="experiments"]').analyze();
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${colorScheme} ${v.id}: ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
  }

  // Pausing from the panel: the experiment assigns nobody any more.
  await panel.getByRole('button', { name: `Pause ${KEY}` }).click();
  await expect(panel.getByTestId(`status-${KEY}`)).toContainText('paused');
  const after = (await quick.page.evaluate(() => fetch('/api/experiments').then((r) => r.json()))) as { assignments: unknown[] };
  expect(after.assignments).toEqual([]);

  for (const c of [admin, quick.context, waiting.context]) await c.close();
});

interface Summary {
  key: string;
  variants: { key: string; exposures: number; operations: number }[];
}

import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from './support/admin';
import { startOwnServer } from './support/own-server';

// The dashboard on a server of its own: an empty database, so every figure is the scripted session's.
let server: Awaited<ReturnType<typeof startOwnServer>>;
test.beforeAll(async () => {
  test.setTimeout(150_000); // a first PGlite open and Next's start took over a minute on a busy machine
  server = await startOwnServer({ DASHBOARD_PUSH_MS: '1000' });
});
test.afterAll(async () => {
  await server?.stop();
});

const legend = (page: Page, panel: string, key: string) => page.locator(`[data-panel="${panel}"] [data-legend="${key}"]`);
const tile = (page: Page, id: string) => page.getByTestId(id);

async function injectFault(page: Page, count: number, label: string, target: string) {
  await page.getByLabel('Requests to fail').fill(String(count));
  await page.getByLabel('Failure').selectOption({ label });
  await page.getByLabel('Only requests to').selectOption({ label: target });
  await page.getByRole('button', { name: 'Inject fault' }).click();
}

test('without the admin token the dashboard and its API refuse', async ({ page }) => {
  await page.goto(`${server.baseURL}/dashboard`);
  await expect(page.getByRole('alert').filter({ hasText: 'log in with the admin token' })).toBeVisible();
  await expect(page.locator('[data-panel]')).toHaveCount(0);
  for (const path of ['/api/dashboard', '/api/dashboard/stream', '/api/dashboard/expose?exposeId=x']) {
    expect((await page.request.get(`${server.baseURL}${path}`)).status(), path).toBe(401);
  }
});

test('a scripted session with injected failures shows up on the dashboard, exactly, and live', async ({ page, playwright }) => {
  test.setTimeout(120_000);
  const api = await playwright.request.newContext({ baseURL: server.baseURL });
  const created = await api.post('/api/exposes', { data: { title: 'Dashboard e2e', body: 'b', ttlHours: 24 } });
  expect(created.status()).toBe(201);
  const { exposeId } = (await created.json()) as { exposeId: string };

  // The session, from the debug console (its engine reports telemetry like the feed's):
  await page.goto(`${server.baseURL}/test-real-time-metrics?expose=${exposeId}`);
  await expect(page.getByRole('status').filter({ hasText: 'Engine running' })).toBeVisible();
  const log = page.getByRole('log', { name: 'Event log' });
  const acks = log.locator('[data-event-type="ack"]');
  const failures = log.locator('[data-event-type="failure"]');
  // 1. an upvote, acknowledged at once;
  await page.getByRole('button', { name: 'Upvote' }).click();
  await expect(acks.filter({ hasText: 'vote confirmed' })).toHaveCount(1);
  // 2. a share whose first attempt gets an injected HTTP 500: retried once, acknowledged;
  await injectFault(page, 1, 'HTTP 500', 'Shares');
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(acks.filter({ hasText: 'share confirmed' })).toHaveCount(1);
  // 3. a share whose four attempts all get an injected HTTP 500: rolled back, retries exhausted. (A
  // network error would not be retried into the void: the write waits in the offline queue.)
  await injectFault(page, 4, 'HTTP 500', 'Shares');
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(failures).toHaveCount(1, { timeout: 20_000 });
  // The page going away sends the batch with sendBeacon.
  await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));

  // Log in (the admin cookie lives in this browser context) and open the dashboard.
  expect((await page.request.post(`${server.baseURL}/api/admin/login`, { data: { token: E2E_ADMIN_TOKEN } })).status()).toBe(204);
  await expect
    .poll(async () => ((await (await page.request.get(`${server.baseURL}/api/dashboard`)).json()) as { client: { operations: number } }).client.operations)
    .toBe(3);
  await page.goto(`${server.baseURL}/dashboard`);
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

  // Client figures of the session: 3 operations, 2 acknowledged, 1 rolled back; retries 0 + 1 + 3.
  await expect(tile(page, 'client-ops')).toHaveText('3');
  await expect(tile(page, 'client-success')).toHaveText('66.7 %');
  await expect(tile(page, 'client-retries')).toHaveText('1.333');
  await expect(tile(page, 'client-rollback')).toHaveText('33.3 %');
  await expect(tile(page, 'client-exhausted')).toHaveText('1');
  await expect(tile(page, 'client-ack-p50')).toHaveText(/^\d[\d,]* ms$/);
  // Server figures: the writes that reached it (expose, vote, share after its retry, and the failed 500 never did).
  await expect(tile(page, 'write-success')).toHaveText('100.0 %');
  await expect(tile(page, 'api-p95')).toHaveText(/ ms$/);
  // Events: the legend carries the counts the database has; the chart is drawn.
  await expect(legend(page, 'events', 'upvotes')).toHaveText('1');
  await expect(legend(page, 'events', 'shares')).toHaveText('1');
  await expect(page.locator('[data-panel="events"] canvas')).toHaveCount(1);
  await expect(page.locator('[data-panel="client"] canvas')).toHaveCount(1);
  await expect(page.locator('[data-panel="top"] [data-top="now"]')).toContainText('Dashboard e2e');

  // Live: a vote from someone else arrives without a reload.
  const updates = Number(await page.getByTestId('live-status').getAttribute('data-updates'));
  expect((await api.post('/api/expose/vote', { data: { exposeId, voteType: 'upvote' } })).status()).toBe(200);
  await expect(legend(page, 'events', 'upvotes')).toHaveText('2');
  expect(Number(await page.getByTestId('live-status').getAttribute('data-updates'))).toBeGreaterThan(updates);

  // Keyboard: the range buttons and the table alternative.
  await page.getByRole('button', { name: '24 hours' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: '24 hours' })).toHaveAttribute('aria-pressed', 'true');
  await expect(legend(page, 'events', 'upvotes')).toHaveText('2');
  const table = page.locator('[data-panel="events"] details');
  await table.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(table.locator('tbody tr').first()).toBeVisible();

  // CSV of the events panel.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV of Events' }).click();
  const csv = readFileSync((await (await download).path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('period_start_utc,views,upvotes,downvotes,shares,comments');
  const rows = csv.trim().split('\r\n').slice(1).map((l) => l.split(','));
  expect(rows.reduce((n, r) => n + Number(r[2]), 0)).toBe(2);
  expect(rows.reduce((n, r) => n + Number(r[4]), 0)).toBe(1);

  // One expose's panel: its curve and its count audit.
  await page.locator('[data-top="now"]').getByRole('button', { name: 'Dashboard e2e' }).click();
  const panel = page.locator('[data-panel="expose"]');
  await expect(panel.getByRole('heading', { name: 'Expose: Dashboard e2e' })).toBeVisible();
  await expect(panel.locator('[data-legend="upvotes"]')).toHaveText('2');
  await expect(panel.locator('table').filter({ hasText: 'Counted' })).toContainText('share');

  // Accessibility: no serious or critical axe finding, in this colour scheme and the other.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).analyze();
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${colorScheme} ${v.id}: ${v.help} ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`)).toEqual([]);
  }
  await api.dispose();
});

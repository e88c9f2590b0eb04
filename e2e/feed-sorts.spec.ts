import { request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { startOwnServer } from './support/own-server';

// One server with an empty database and no rate limits: 120 exposes with known votes.
let server: Awaited<ReturnType<typeof startOwnServer>>;
interface Made {
  exposeId: string;
  createdAt: string;
  net: number;
}
const made: Made[] = [];
const TOTAL = 120;
const VOTERS = 5;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startOwnServer();
  const json = { 'content-type': 'application/json' };
  const voters: APIRequestContext[] = [];
  for (let v = 0; v < VOTERS; v++) voters.push(await playwrightRequest.newContext({ baseURL: server.baseURL }));
  const author = voters[0]!;
  for (let i = 0; i < TOTAL; i++) {
    const res = await author.post('/api/exposes', { headers: json, data: { title: `Expose number ${i}`, body: `Body ${i}`, ttlHours: 24 } });
    expect(res.status()).toBe(201);
    const { exposeId, createdAt } = (await res.json()) as Made;
    // Net votes from -2 to +5 by a fixed pattern, from up to five sessions (many ties on purpose).
    const ups = (i * 7) % 6;
    const downs = i % 5 === 0 ? 2 : 0;
    const votes: Promise<unknown>[] = [];
    for (let v = 0; v < ups; v++) votes.push(voters[v]!.post('/api/expose/vote', { headers: json, data: { exposeId, voteType: 'upvote' } }));
    for (let v = ups; v < ups + downs && v < VOTERS; v++) votes.push(voters[v]!.post('/api/expose/vote', { headers: json, data: { exposeId, voteType: 'downvote' } }));
    await Promise.all(votes);
    made.push({ exposeId, createdAt, net: ups - Math.min(downs, VOTERS - ups) });
  }
  await Promise.all(voters.map((v) => v.dispose()));
});

test.afterAll(async () => {
  await server?.stop();
});

/** The documented orders (docs/ARCHITECTURE.md "Feed sorts"), computed from what the API returned. */
const HOT_EPOCH_S = Date.parse('2025-01-01T00:00:00Z') / 1000;
const hot = (e: Made) => Math.sign(e.net) * Math.log10(Math.max(Math.abs(e.net), 1)) + (Date.parse(e.createdAt) / 1000 - HOT_EPOCH_S) / 45_000;
const desc = <T>(...keys: ((x: T) => number | string)[]) => (a: T, b: T) => {
  for (const k of keys) if (k(a) !== k(b)) return k(a) < k(b) ? 1 : -1;
  return 0;
};
const EXPECTED: Record<string, (list: Made[]) => Made[]> = {
  '/': (l) => l.sort(desc((e) => e.createdAt, (e) => e.exposeId)),
  '/?sort=hot': (l) => l.sort(desc(hot, (e) => e.exposeId)),
  '/?sort=top&t=day': (l) => l.sort(desc((e) => e.net, (e) => e.createdAt, (e) => e.exposeId)),
};

/** Every card on the page, in order, after clicking "Load more" until there is none. */
async function readAllByLoadMore(page: Page): Promise<string[]> {
  const cards = page.locator('article[data-expose-id]');
  for (;;) {
    const more = page.getByRole('link', { name: 'Load more' });
    if ((await more.count()) === 0) break;
    const before = await cards.count();
    await more.click();
    await expect.poll(() => cards.count()).toBeGreaterThan(before);
  }
  return cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-expose-id') ?? ''));
}

for (const [path, order] of Object.entries(EXPECTED)) {
  test(`${path}: all ${TOTAL} exposes reachable with "Load more", in the documented order, live-followed`, async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.baseURL });
    const page = await context.newPage();
    const streams: string[] = [];
    page.on('request', (r) => void (r.url().includes('/api/expose/stream?') && streams.push(r.url())));
    await page.goto(path);
    await expect(page.locator('article[data-expose-id]')).toHaveCount(50);
    const seen = await readAllByLoadMore(page);
    expect(seen).toEqual(order([...made]).map((e) => e.exposeId));
    // The live stream follows every card on screen: its last subscription names all 120.
    await expect.poll(() => {
      const ids = new Set(streams.slice(-2).flatMap((u) => decodeURIComponent(new URL(u).searchParams.get('ids') ?? '').split(',')));
      return made.every((e) => ids.has(e.exposeId));
    }).toBe(true);
    await context.close();
  });
}

test('without JavaScript, "Load more" is a link to the next page: every expose is reachable', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  const seen = new Set<string>();
  await page.goto('/?sort=hot');
  for (;;) {
    for (const id of await page.locator('article[data-expose-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-expose-id')))) seen.add(id!);
    const more = page.getByRole('link', { name: 'Load more' });
    if ((await more.count()) === 0) break;
    await Promise.all([page.waitForURL(/cursor=/), more.click()]);
  }
  expect(seen.size).toBe(TOTAL);
  await context.close();
});

test('each order is one URL served from the page cache; a page with a cursor is not', async ({ request }) => {
  for (const path of ['/', '/?sort=hot', '/?sort=top&t=day', '/?sort=top&t=week', '/?sort=top&t=all']) {
    await expect
      .poll(async () => (await request.get(`${server.baseURL}${path}`)).headers()['x-ec-page-cache'], { message: path })
      .toMatch(/^(hit|stale)$/);
  }
  const cursor = await request.get(`${server.baseURL}/api/exposes?sort=hot&limit=1`).then(async (r) => ((await r.json()) as { nextCursor: string }).nextCursor);
  const paged = await request.get(`${server.baseURL}/?sort=hot&cursor=${cursor}`);
  expect(paged.status()).toBe(200);
  expect(paged.headers()['x-ec-page-cache']).toBeUndefined();
});

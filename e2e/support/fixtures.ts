import { expect, test as base, type APIRequestContext, type Page, type Route } from '@playwright/test';

export interface CreatedExpose {
  exposeId: string;
  title: string;
}

type CreateExpose = (title: string) => Promise<CreatedExpose>;

/**
 * `expose`: a fresh expose for each test that asks for one, so tests never share counters.
 * The server allows 10 creations per session per hour (and 30 per IP), so one API context (one
 * session) per worker creates them, and a 429 moves it to a fresh session once.
 */
export const test = base.extend<{ expose: CreatedExpose }, { createExpose: CreateExpose }>({
  /**
   * Every test's page logs its API requests (method, path, status or failure, start and end relative
   * to the test) and the log is attached to a failed test: a request that never settled is then named
   * in the report instead of showing only as a locator timeout.
   */
  page: async ({ page }, provide, testInfo) => {
    const t0 = Date.now();
    const log: { at: number; method: string; path: string; end?: number; outcome?: string }[] = [];
    const entries = new Map<object, (typeof log)[number]>();
    const isApi = (url: string) => new URL(url).pathname.startsWith('/api/');
    page.on('request', (r) => {
      if (!isApi(r.url())) return;
      const entry = { at: Date.now() - t0, method: r.method(), path: new URL(r.url()).pathname };
      entries.set(r, entry);
      log.push(entry);
    });
    const ended = (r: object, outcome: string) => {
      const entry = entries.get(r);
      if (!entry) return;
      entry.end = Date.now() - t0;
      entry.outcome = outcome;
    };
    page.on('requestfinished', (r) => {
      r.response().then(
        (res) => ended(r, String(res?.status() ?? 'no response')),
        () => ended(r, 'finished (page closed before its status was read)'),
      );
    });
    page.on('requestfailed', (r) => ended(r, `failed: ${r.failure()?.errorText ?? 'unknown'}`));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`${Date.now() - t0} ms page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${Date.now() - t0} ms console ${m.type()}: ${m.text()}`);
    });
    await provide(page);
    if (testInfo.status !== testInfo.expectedStatus) {
      const lines = log.map((e) => `${e.at} ms ${e.method} ${e.path} → ${e.outcome ?? 'NOT SETTLED'}${e.end === undefined ? '' : ` at ${e.end} ms`}`);
      const body = [...lines, ...errors].join('\n') || '(none)';
      await testInfo.attach('api-requests.txt', { body, contentType: 'text/plain' });
      // The list reporter shows only the first 300 characters of an attachment; the whole log goes to
      // the test's stdout, which it prints in full.
      console.log(`API requests of "${testInfo.title}" (attempt ${testInfo.retry + 1}):\n${body}`);
    }
  },
  createExpose: [
    async ({ playwright }, provide, workerInfo) => {
      const contexts: APIRequestContext[] = [];
      const session = async () => {
        const api = await playwright.request.newContext({ baseURL: workerInfo.project.use.baseURL });
        contexts.push(api);
        return api;
      };
      let api = await session();
      const post = (title: string) =>
        api.post('/api/exposes', {
          headers: { 'content-type': 'application/json' },
          data: { title, body: 'Created by an end-to-end test.', ttlHours: 24 },
        });
      await provide(async (title) => {
        let res = await post(title);
        if (res.status() === 429) {
          api = await session();
          res = await post(title);
        }
        expect(res.status(), await res.text()).toBe(201);
        const { exposeId } = (await res.json()) as { exposeId: string };
        return { exposeId, title };
      });
      await Promise.all(contexts.map((c) => c.dispose()));
    },
    { scope: 'worker' },
  ],
  expose: async ({ createExpose }, provide, testInfo) => {
    await provide(await createExpose(`${testInfo.title.slice(0, 80)} ${Date.now().toString(36)}`));
  },
});

export { expect };

/** A desktop Chrome user agent: the server does not count views from bots, and HeadlessChrome is one. */
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

/**
 * Opens an expose page and waits until the client runs: the page counts its view on mount, so the
 * view request is the sign that React has hydrated and clicks will be handled.
 */
export async function openExpose(page: Page, exposeId: string): Promise<void> {
  const viewed = page.waitForRequest(
    (r) => r.url().endsWith('/api/expose/views') && r.postDataJSON()?.exposeId === exposeId,
  );
  await page.goto(`/expose/${exposeId}`);
  await viewed;
}

/** Holds every request matching `url` until `release()`; `held` lists the requests caught so far. */
export async function holdRequests(page: Page, url: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held: string[] = [];
  await page.route(url, async (route: Route) => {
    held.push(route.request().postData() ?? '');
    await gate;
    await route.continue();
  });
  return { held, release };
}

/**
 * The feed is one page for everyone, replayed from a cache of about a second (ARCHITECTURE.md, "Feed
 * cache"): a just-created expose is listed within about a second. Waits until the feed lists it.
 */
export async function untilFeedLists(request: APIRequestContext, exposeId: string): Promise<void> {
  await expect
    .poll(async () => (await (await request.get('/')).text()).includes(`data-expose-id="${exposeId}"`), { timeout: 10_000 })
    .toBe(true);
}

/** Resolves with the page's batched metrics lookup (the sign that the feed has hydrated) for `exposeId`. */
export function feedLookup(page: Page, exposeId: string) {
  return page.waitForResponse((r) => r.url().includes('/api/expose/metrics?ids=') && r.url().includes(exposeId));
}

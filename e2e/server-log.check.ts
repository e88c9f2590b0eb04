import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { expect, test } from '@playwright/test';
import { BROWSER_UA } from './support/fixtures';
import { E2E_SESSION_SECRET, serverLogPath } from './support/server-log';

// Runs after every browser spec (playwright.config.ts: project `server-log` depends on `browser`):
// the server's log of the whole run holds request lines and nothing that identifies a visitor.
const LOG = serverLogPath(Number(process.env.E2E_PORT ?? 3123));
/** A session id: 18 random bytes in base64url, standing alone. */
const SESSION_ID_SHAPE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])/g;

/** IPv4 (also inside `::ffff:a.b.c.d` or with a `:port`) and IPv6 addresses anywhere in the text. */
function ipAddressesIn(text: string): string[] {
  const v4 = [...text.matchAll(/(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g)].map((m) => m[0]).filter((t) => isIPv4(t));
  const v6 = text.split(/[^0-9A-Fa-f:]+/).filter((t) => /[0-9A-Fa-f]/.test(t) && isIPv6(t));
  return [...v4, ...v6];
}

interface Line {
  msg?: string;
  reqId?: string;
  route?: string;
  method?: string;
  status?: number;
  ms?: number;
}

test('the server log of the run has a line per request and no address, user agent, cookie, session or secret', async ({
  browser,
}) => {
  // Known traffic of its own: a visitor whose cookie, session id and last request id we hold.
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  await page.goto('/');
  const last = await page.request.get('/api/exposes?limit=1');
  const lastId = last.headers()['x-request-id']!;
  expect(lastId).toBeTruthy();
  const cookie = (await context.cookies()).find((c) => c.name === 'ec_sid')!.value;
  await context.close();
  await expect.poll(() => readFileSync(LOG, 'utf8').includes(lastId)).toBe(true);

  const text = readFileSync(LOG, 'utf8');
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  const requests = lines.filter((l) => l.msg === 'request' || l.msg === 'request aborted');
  expect(requests.length).toBeGreaterThan(50);
  for (const line of requests) {
    expect(line.reqId).toBeTruthy();
    expect(typeof line.route).toBe('string');
    expect(line.route).not.toContain('?');
    expect(typeof line.status).toBe('number');
    expect(typeof line.ms).toBe('number');
  }
  const routes = new Set(requests.map((l) => `${l.method} ${l.route}`));
  for (const seen of ['GET /', 'GET /api/health', 'POST /api/expose/vote', 'POST /api/expose/views', 'GET /api/expose/stream']) {
    expect([...routes], seen).toContain(seen);
  }
  expect(requests.some((l) => l.reqId === lastId && l.route === '/api/exposes')).toBe(true);

  const decoded = decodeURIComponent(cookie);
  for (const secret of ['Mozilla/', 'HeadlessChrome', 'ec_sid', cookie, decoded, decoded.split('.')[0]!, E2E_SESSION_SECRET]) {
    expect(text.includes(secret), `the log contains ${secret}`).toBe(false);
  }
  expect(ipAddressesIn(text), 'IP addresses in the log').toEqual([]);
  // Static asset names are build hashes, not sessions: look for session-shaped tokens elsewhere.
  const withoutAssets = text.replace(/"route":"\/_next\/[^"]*"/g, '');
  expect(withoutAssets.match(SESSION_ID_SHAPE) ?? [], 'session-id-shaped tokens in the log').toEqual([]);
});

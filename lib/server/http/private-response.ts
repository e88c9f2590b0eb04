import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Next's own value for responses that no cache may store. */
export const PRIVATE_CACHE_CONTROL = 'private, no-cache, no-store, max-age=0, must-revalidate';

/**
 * Pages answered to a visitor without a session (`/`, `/expose/[id]`): any shared cache may keep
 * them for a second and then, for 5 s more, serve the old copy while it fetches a new one in the
 * background. Counts on them are replaced after hydration (lookup, live stream); what is not (the
 * feed's list, an expose page's first comments) is at most ~6 s old after a quiet spell, ~1 s under
 * traffic. Short on purpose: a longer grace would show a new expose or comment that much later.
 */
export const PUBLIC_PAGE_CACHE_CONTROL = 'public, s-maxage=1, stale-while-revalidate=5';

/**
 * For a page that is the same for everyone and carries nothing of the visitor's (the feed): the
 * renderer's Cache-Control without `no-store`, which keeps a page out of the browser's back/forward
 * cache. Next's dynamic default becomes `private, no-cache, max-age=0, must-revalidate`: still
 * private and revalidated on every load; a shareable mark (`s-maxage`) passes unchanged.
 */
export const withoutNoStore = (value: string): string =>
  value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.toLowerCase() !== 'no-store')
    .join(', ');

/**
 * Makes `res` unstorable by any shared cache, whatever the page renderer sets later. Next marks
 * cached (ISR) pages `s-maxage=…`; a response that carries this visitor's new session cookie must
 * never be stored and replayed to someone else. Enforced when the headers are written, so it wins
 * over any Cache-Control set before, also one passed to writeHead itself.
 */
export function keepPrivate(res: ServerResponse): void {
  rewriteCacheControl(res, () => PRIVATE_CACHE_CONTROL);
}

/** The shared feed's pages when they set no cookie: restorable from the back/forward cache. */
export function keepShareable(res: ServerResponse): void {
  rewriteCacheControl(res, (value) => (value === undefined ? undefined : withoutNoStore(value)));
}

const PUBLIC_PAGE_PATH = /^\/(?:expose\/[^/]+)?$/;

/**
 * A document request for the feed (`/`, any query) or an expose page (`/expose/<id>`, any query).
 * Client-router (RSC) requests, prefetches and server actions are left out: their answers vary by
 * request headers that not every cache keys on.
 */
export function isPublicPageRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (!PUBLIC_PAGE_PATH.test((req.url ?? '').split('?')[0] ?? '')) return false;
  for (const name of Object.keys(req.headers)) {
    if (name === 'rsc' || name.startsWith('next-')) return false;
  }
  return true;
}

/**
 * A page for a visitor without a session: public (PUBLIC_PAGE_CACHE_CONTROL) when it turns out a
 * 200 on which nothing set a cookie; anything else (an error page, a page that set a cookie of its
 * own) stays as the renderer marked it, or private when a cookie is set.
 */
export function keepPublicWhenPlain(res: ServerResponse): void {
  rewriteCacheControl(res, (value, head) => {
    const status = head.status ?? res.statusCode;
    if (head.setsCookie) return PRIVATE_CACHE_CONTROL;
    return status === 200 ? PUBLIC_PAGE_CACHE_CONTROL : value;
  });
}

function varyOnCookie(res: ServerResponse, given: OutgoingHttpHeaders | undefined): void {
  const add = (value: unknown) => {
    const list = value === undefined ? [] : String(value).split(',').map((v) => v.trim()).filter(Boolean);
    return list.some((v) => v.toLowerCase() === 'cookie') ? list.join(', ') : [...list, 'Cookie'].join(', ');
  };
  const inGiven = given && Object.keys(given).find((n) => n.toLowerCase() === 'vary');
  if (inGiven) given[inGiven] = add(given[inGiven]);
  else res.setHeader('vary', add(res.getHeader('vary')));
}

interface Head {
  status?: number;
  setsCookie: boolean;
}

function rewriteCacheControl(res: ServerResponse, rewrite: (value: string | undefined, head: Head) => string | undefined): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const last = args[args.length - 1];
    const given = last && typeof last === 'object' && !Array.isArray(last) ? (last as OutgoingHttpHeaders) : undefined;
    const head: Head = {
      status: typeof args[0] === 'number' ? args[0] : undefined,
      setsCookie: this.hasHeader('set-cookie') || Object.keys(given ?? {}).some((n) => n.toLowerCase() === 'set-cookie'),
    };
    const current = this.getHeader('cache-control');
    const next = rewrite(current === undefined ? undefined : String(current), head);
    if (next !== undefined) this.setHeader('cache-control', next);
    let isPublic = next === PUBLIC_PAGE_CACHE_CONTROL;
    if (given) {
      const headers = given;
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() !== 'cache-control') continue;
        const replaced = rewrite(String(headers[name]), head);
        if (replaced !== undefined) headers[name] = replaced;
        if (replaced === PUBLIC_PAGE_CACHE_CONTROL) isPublic = true;
      }
    }
    // A public page is the same for every visitor WITHOUT a session; the browser's own cache must
    // not hand that copy (stale-while-revalidate) to the same browser once it holds a session, e.g.
    // on the reload right after its first comment: Vary: Cookie keeps the two apart.
    if (isPublic) varyOnCookie(this, given);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Next's own value for responses that no cache may store. */
export const PRIVATE_CACHE_CONTROL = 'private, no-cache, no-store, max-age=0, must-revalidate';

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

function rewriteCacheControl(res: ServerResponse, rewrite: (value: string | undefined) => string | undefined): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const current = this.getHeader('cache-control');
    const next = rewrite(current === undefined ? undefined : String(current));
    if (next !== undefined) this.setHeader('cache-control', next);
    const last = args[args.length - 1];
    if (last && typeof last === 'object' && !Array.isArray(last)) {
      const headers = last as OutgoingHttpHeaders;
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() !== 'cache-control') continue;
        const replaced = rewrite(String(headers[name]));
        if (replaced !== undefined) headers[name] = replaced;
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

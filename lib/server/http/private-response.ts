import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Next's own value for responses that no cache may store. */
export const PRIVATE_CACHE_CONTROL = 'private, no-cache, no-store, max-age=0, must-revalidate';

/**
 * Makes `res` unstorable by any shared cache, whatever the page renderer sets later. Next marks
 * cached (ISR) pages `s-maxage=…`; a response that carries this visitor's new session cookie must
 * never be stored and replayed to someone else. Enforced when the headers are written, so it wins
 * over any Cache-Control set before, also one passed to writeHead itself.
 */
export function keepPrivate(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    this.setHeader('cache-control', PRIVATE_CACHE_CONTROL);
    const last = args[args.length - 1];
    if (last && typeof last === 'object' && !Array.isArray(last)) {
      const headers = last as OutgoingHttpHeaders;
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === 'cache-control') headers[name] = PRIVATE_CACHE_CONTROL;
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

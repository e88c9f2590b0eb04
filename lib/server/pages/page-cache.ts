import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface PageCacheOptions {
  /** Exact request URLs (path and query string, as sent) whose page is the same for every visitor. */
  paths: readonly string[];
  /** A copy younger than this is replayed as it is. */
  freshMs: number;
  /** A copy older than `freshMs` but younger than this is replayed while one request refreshes it. */
  staleMs: number;
  now?: () => number;
  /** Copies kept per path, one per normalised Accept-Encoding (gzip, identity). */
  maxVariants?: number;
}

/** Response header saying how the page cache answered: hit, stale, miss or bypass. */
export const PAGE_CACHE_HEADER = 'x-ec-page-cache';

interface Copy {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  /** When the request that produced it started. */
  at: number;
}

// Never replayed: the visitor's own cookie and request id are set by the front door; framing is Node's business.
const NOT_REPLAYED = new Set([
  'set-cookie',
  'x-request-id',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'date',
  PAGE_CACHE_HEADER,
]);

/**
 * A short-lived shared cache in front of Next for pages that are identical for every visitor (the
 * feed): the bytes Next sent for one request are replayed to the others for `freshMs`, then served
 * stale while ONE request goes through to Next and refreshes them (stale-while-revalidate); once a
 * copy is older than `staleMs` (an idle spell), requests wait for one render instead. A request
 * that finds no usable copy while another one is rendering waits for that render too, so Next
 * renders such a page at most once at a time.
 *
 * Only plain document GETs are served from it: client-router (RSC) requests, prefetches, server
 * actions, query strings and HEAD go to Next every time. A copy is kept only from a complete 200
 * text/html response on which the page set no cookie of its own; the visitor's session cookie,
 * set by the front door before the page renders, is never part of a copy. Why not Next's ISR
 * cache: docs/ARCHITECTURE.md, "Feed cache".
 */
export function withPageCache(handler: PageHandler, opts: PageCacheOptions): PageHandler {
  const now = opts.now ?? Date.now;
  const maxVariants = opts.maxVariants ?? 8;
  const paths = new Set(opts.paths);
  const copies = new Map<string, Copy>();
  const rendering = new Map<string, Promise<Copy | null>>();

  const refresh = (key: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const known = copies.has(key) || copies.size < paths.size * maxVariants;
    const done = capture(res, now());
    const settled: Promise<Copy | null> = done.then((copy) => {
      if (copy && known) copies.set(key, copy);
      if (rendering.get(key) === settled) rendering.delete(key);
      return copy;
    });
    rendering.set(key, settled);
    return Promise.resolve(handler(req, res));
  };

  return async (req, res) => {
    const key = cacheKey(req, paths);
    if (key === null) return handler(req, res);
    const copy = copies.get(key);
    const age = copy ? now() - copy.at : Infinity;
    if (copy && age < opts.freshMs) return replay(copy, res, 'hit');
    const inFlight = rendering.get(key);
    if (copy && age < opts.staleMs) {
      if (inFlight) return replay(copy, res, 'stale');
      res.setHeader(PAGE_CACHE_HEADER, 'miss');
      return refresh(key, req, res);
    }
    if (inFlight) {
      const fresh = await inFlight;
      if (fresh) return replay(fresh, res, 'hit');
    }
    res.setHeader(PAGE_CACHE_HEADER, 'miss');
    return refresh(key, req, res);
  };
}

/** The cache key, or null when the request must go to Next. */
function cacheKey(req: IncomingMessage, paths: ReadonlySet<string>): string | null {
  if (req.method !== 'GET' || !req.url || !paths.has(req.url)) return null;
  for (const name of Object.keys(req.headers)) {
    // rsc / next-router-* / next-action / next-url: the client router and server actions.
    if (name === 'rsc' || name.startsWith('next-') || name === 'range') return null;
  }
  // One copy per encoding Next can produce, whatever the client wrote; Next is handed the same
  // normalised value, so the copy's bytes always match its key.
  const encoding = pageEncoding(req.headers['accept-encoding']);
  req.headers['accept-encoding'] = encoding;
  return `${req.url}\n${encoding}`;
}

/**
 * What Next's compression (gzip or deflate, no brotli) should send for this Accept-Encoding,
 * narrowed to gzip or identity: a client that accepts gzip (or `*`) gets gzip, any other gets the
 * plain bytes. So junk or rare values share the identity copy instead of each taking a slot.
 */
export function pageEncoding(header: string | string[] | undefined): 'gzip' | 'identity' {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  let star = false;
  for (const part of value.toLowerCase().split(',')) {
    const [token, ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) {
      if (token === 'gzip') return 'identity';
      continue;
    }
    if (token === 'gzip') return 'gzip';
    if (token === '*') star = true;
  }
  return star ? 'gzip' : 'identity';
}

function replay(copy: Copy, res: ServerResponse, how: 'hit' | 'stale'): void {
  res.statusCode = copy.status;
  for (const [name, value] of Object.entries(copy.headers)) {
    if (value !== undefined) res.setHeader(name, value);
  }
  res.setHeader('content-length', copy.body.length);
  res.setHeader(PAGE_CACHE_HEADER, how);
  res.end(copy.body);
}

/**
 * Records what goes on the wire for `res` (after Next's own compression, which wraps write/end
 * later and so calls these wrappers with the bytes it sends) and resolves with a copy, or null
 * when the response must not be replayed.
 */
function capture(res: ServerResponse, startedAt: number): Promise<Copy | null> {
  const cookieBefore = res.getHeader('set-cookie');
  const chunks: Buffer[] = [];
  let head: { status: number; headers: OutgoingHttpHeaders } | undefined;

  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
    const last = args[args.length - 1];
    const given = last && typeof last === 'object' && !Array.isArray(last) ? (last as OutgoingHttpHeaders) : {};
    head ??= { status, headers: { ...this.getHeaders(), ...lowerCaseKeys(given) } };
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];

  const collect = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  // Some response implementations send end(chunk)'s chunk through this.write: count it once.
  let ending = false;
  const write = res.write;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    if (!ending) collect(args[0], args[1]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as ServerResponse['write'];
  const end = res.end;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (typeof args[0] !== 'function') collect(args[0], args[1]);
    ending = true;
    try {
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } finally {
      ending = false;
    }
  } as ServerResponse['end'];

  return new Promise((resolve) => {
    // 'close' without 'finish' first: the client went away mid-response; keep nothing.
    res.once('close', () => resolve(null));
    res.once('finish', () => {
      if (!head) return resolve(null);
      const { status, headers } = head;
      const html = String(headers['content-type'] ?? '').startsWith('text/html');
      const ownCookie = headers['set-cookie'] !== cookieBefore && headers['set-cookie'] !== undefined;
      if (status !== 200 || !html || ownCookie) return resolve(null);
      const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !NOT_REPLAYED.has(name)));
      resolve({ status, headers: kept, body: Buffer.concat(chunks), at: startedAt });
    });
  });
}

function lowerCaseKeys(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

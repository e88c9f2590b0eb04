import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `scheme://user:password@host` -> `scheme://***@host`, wherever a driver quotes its URL. */
const CREDENTIALS_IN_URL = /(\/\/)[^/\s@]*@/g;
const scrub = (text: string): string => text.replace(CREDENTIALS_IN_URL, '$1***@');

/** A path as logged: never the query string (it may carry ids, cursors or tracking tags). */
export const pathOf = (url: string | undefined): string => {
  if (!url) return '';
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 200);
};

/**
 * Errors keep their type, message, code and stack (and their cause's), nothing else: a driver
 * error's other fields (`detail`, `parameters`, addresses) can quote row values or hosts.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrub(String(err)) };
  const out: Record<string, unknown> = { type: err.name, message: scrub(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.stack) out.stack = scrub(err.stack);
  if (err.cause !== undefined && depth < 2) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/**
 * What a line may say about a request and a response: method, path and id; status. Fastify's own
 * serializers add the client address and Host; these replace them. No header is ever logged, so
 * cookies, user agents and Idempotency-Keys cannot reach a line.
 */
export const logSerializers = {
  req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: pathOf(req.url), id: req.id }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  err: serializeError,
};

/** The process's one logger (pino JSON on stdout unless a destination is given). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, serializers: logSerializers };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Reports an error that can repeat many times a second (a dependency down and reconnecting): the
 * first at once, then at most one line per `intervalMs` carrying how many were left out.
 */
/** Where dependency errors go: the process's logger, or a test's recorder. */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

export function throttledErrorLog(
  log: WarnLog | undefined,
  msg: string,
  opts: { intervalMs?: number; now?: () => number } = {},
): (err: unknown) => void {
  const intervalMs = opts.intervalMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let suppressed = 0;
  return (err) => {
    if (!log) return;
    const t = now();
    if (t - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = t;
    log.warn({ err, suppressed }, msg);
    suppressed = 0;
  };
}

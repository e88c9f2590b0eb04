import type { HttpRequest } from './endpoints';
import { readChallenge } from './challenge';
import { parseRetryAfter, type RequestFailure } from './policy';
import type { TimerSet } from './timers';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Sits between the engine and fetch (fault injection, logging). Must call `next` or answer itself. */
export type TransportInterceptor = (url: string, init: RequestInit, next: FetchLike) => Promise<Response>;

export type HttpResult = { ok: true; status: number; body: unknown } | { ok: false; failure: RequestFailure };

export interface SendDeps {
  fetch: FetchLike;
  timers: TimerSet;
  timeoutMs: number;
  baseUrl: string;
  now: () => number;
  /** Aborts every request in flight (engine dispose). */
  lifetime: AbortSignal;
  /** Told when the server answered (any status): its reply carried the session cookie if we had none. */
  onResponse?: () => void;
  /** Told when a request starts; the returned function when it has ended (however). */
  onRequest?: () => () => void;
}

const failure = (kind: RequestFailure['kind'], message: string): HttpResult => ({
  ok: false,
  failure: { kind, code: kind, message },
});

function initFor(req: HttpRequest, signal: AbortSignal): RequestInit {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (req.method === 'POST') headers['Content-Type'] = 'application/json';
  if (req.idempotencyKey) headers['Idempotency-Key'] = req.idempotencyKey;
  if (req.challengeSolution) headers['X-Challenge-Solution'] = req.challengeSolution;
  const init: RequestInit = { method: req.method, headers, credentials: 'same-origin', signal };
  if (req.body !== undefined) init.body = JSON.stringify(req.body);
  return init;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpFailure(res: Response, body: unknown, now: number): HttpResult {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
  const f: RequestFailure = {
    kind: 'http',
    status: res.status,
    code: typeof err?.code === 'string' ? err.code : `http_${res.status}`,
    message: typeof err?.message === 'string' ? err.message : `The server answered ${res.status}.`,
  };
  if (retryAfterMs !== undefined) f.retryAfterMs = retryAfterMs;
  const challenge = res.status === 428 ? readChallenge(body) : undefined;
  if (challenge) f.challenge = challenge;
  return { ok: false, failure: f };
}

/**
 * One attempt with a hard timeout. The fetch is raced against the abort so that a fetch (or an
 * interceptor) that ignores its signal still cannot hang the engine.
 */
export async function sendOnce(req: HttpRequest, deps: SendDeps): Promise<HttpResult> {
  if (deps.lifetime.aborted) return failure('aborted', 'The metrics engine was disposed.');
  const controller = new AbortController();
  let timedOut = false;
  const timer = deps.timers.set(() => {
    timedOut = true;
    controller.abort();
  }, deps.timeoutMs);
  const onDispose = () => controller.abort();
  deps.lifetime.addEventListener('abort', onDispose, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
  aborted.catch(() => {});
  const ended = deps.onRequest?.();
  try {
    const work = (async () => {
      const res = await deps.fetch(deps.baseUrl + req.path, initFor(req, controller.signal));
      deps.onResponse?.();
      return { res, body: await readBody(res) };
    })();
    // If the abort wins the race, a late rejection of `work` must not surface as unhandled.
    work.catch(() => {});
    const { res, body } = await Promise.race([work, aborted]);
    if (!res.ok) return httpFailure(res, body, deps.now());
    if (body === undefined) return failure('invalid_response', 'The server sent a reply that is not JSON.');
    return { ok: true, status: res.status, body };
  } catch {
    if (deps.lifetime.aborted) return failure('aborted', 'The metrics engine was disposed.');
    if (timedOut) return failure('timeout', `No answer within ${Math.round(deps.timeoutMs / 1000)} s.`);
    return failure('network', 'The network request failed.');
  } finally {
    ended?.();
    deps.timers.clear(timer);
    deps.lifetime.removeEventListener('abort', onDispose);
  }
}

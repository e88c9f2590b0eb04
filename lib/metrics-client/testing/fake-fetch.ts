import type { Metrics, MetricsSnapshot, MyVote } from '@/lib/contracts/core';
import type { FetchLike } from '../transport';

/** One request the engine made; the test answers it when it likes. Test-only module. */
export interface FakeCall {
  url: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
  signal: AbortSignal;
  respond(res: Response): void;
  fail(err?: unknown): void;
}

export type Responder = (call: FakeCall) => Response | undefined;

export function createFakeFetch(responder?: Responder) {
  const calls: FakeCall[] = [];
  const fetch: FetchLike = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const headers = { ...(init.headers as Record<string, string> | undefined) };
      const call: FakeCall = {
        url,
        path: url.split('?')[0] ?? url,
        method: init.method ?? 'GET',
        headers,
        body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
        credentials: init.credentials,
        signal: init.signal ?? new AbortController().signal,
        respond: resolve,
        fail: (err = new TypeError('Failed to fetch')) => reject(err),
      };
      calls.push(call);
      const auto = responder?.(call);
      if (auto) resolve(auto);
    });
  const last = (): FakeCall => {
    const c = calls.at(-1);
    if (!c) throw new Error('no request was made');
    return c;
  };
  return { fetch, calls, last };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export const errorBody = (code: string, message = code) => ({ error: { code, message } });

export function metrics(partial: Partial<Metrics> = {}): Metrics {
  const m = { views: 0, comments: 0, upvotes: 0, downvotes: 0, shares: 0, ...partial };
  return { ...m, netVotes: partial.netVotes ?? m.upvotes - m.downvotes };
}

export function snap(exposeId: string, version: number, m: Partial<Metrics> = {}, myVote?: MyVote): MetricsSnapshot {
  const s: MetricsSnapshot = { exposeId, version, metrics: metrics(m) };
  if (myVote !== undefined) s.myVote = myVote;
  return s;
}

/** Sequential ids: op-1, op-2, ... */
export function sequentialIds(prefix = 'op'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

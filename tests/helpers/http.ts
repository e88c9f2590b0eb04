import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sessionCookieOf } from './app';

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** A visitor: keeps its session cookie across requests, like a browser. */
export interface Visitor {
  cookie?: string;
  post(url: string, payload: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export function visitor(app: FastifyInstance, opts: { remoteAddress?: string; userAgent?: string } = {}): Visitor {
  const v: Visitor = {
    async post(url, payload, headers = {}) {
      const res = await app.inject({
        method: 'POST',
        url,
        remoteAddress: opts.remoteAddress,
        headers: {
          ...JSON_HEADERS,
          ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}),
          ...(v.cookie ? { cookie: v.cookie } : {}),
          ...headers,
        },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      if (!v.cookie && res.headers['set-cookie']) v.cookie = sessionCookieOf(res);
      return res;
    },
    async get(url, headers = {}) {
      const res = await app.inject({
        method: 'GET',
        url,
        remoteAddress: opts.remoteAddress,
        headers: { ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}), ...(v.cookie ? { cookie: v.cookie } : {}), ...headers },
      });
      if (!v.cookie && res.headers['set-cookie']) v.cookie = sessionCookieOf(res);
      return res;
    },
  };
  return v;
}

/** A visitor that already holds a session cookie (so concurrent requests share one session). */
export async function signedInVisitor(
  app: FastifyInstance,
  opts: { remoteAddress?: string; userAgent?: string } = {},
): Promise<Visitor> {
  const v = visitor(app, opts);
  await v.get('/api/health');
  if (!v.cookie) throw new Error('no session cookie');
  return v;
}

import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newSessionId } from '@/lib/server/domain/ids';
import { SESSION_HEADER } from '@/lib/server/session-header';

export const SESSION_COOKIE = 'ec_sid';
const SESSION_ID = /^[A-Za-z0-9_-]{24}$/;
const ONE_YEAR_S = 365 * 24 * 3600;

declare module 'fastify' {
  interface FastifyRequest {
    sessionId: string;
    /** Keyed hash of the client IP (never the IP itself) for rate limits. */
    ipHash: string;
    /** True when this request came without a valid session cookie and was just given one. */
    sessionIsNew: boolean;
  }
}

/**
 * Gives every visitor an anonymous, signed session cookie on their first response (page or API).
 * The cookie is written on the raw response so it also reaches responses that Next renders.
 */
export function registerIdentity(app: FastifyInstance, secret: string): void {
  const ipKey = createHmac('sha256', secret).update('ip-hash-key').digest();
  app.decorateRequest('sessionId', '');
  app.decorateRequest('ipHash', '');
  app.decorateRequest('sessionIsNew', false);
  app.addHook('onRequest', async (request, reply) => {
    request.ipHash = createHmac('sha256', ipKey).update(request.ip).digest('base64url').slice(0, 22);
    const existing = readSession(app, request);
    if (existing) {
      request.sessionId = existing;
    } else {
      request.sessionId = newSessionId();
      request.sessionIsNew = true;
      const cookie = app.serializeCookie(SESSION_COOKIE, app.signCookie(request.sessionId), {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        maxAge: ONE_YEAR_S,
        secure: request.protocol === 'https',
      });
      reply.raw.setHeader('set-cookie', cookie);
    }
    delete request.raw.headers[SESSION_HEADER];
    request.raw.headers[SESSION_HEADER] = request.sessionId;
  });
}

function readSession(app: FastifyInstance, request: FastifyRequest): string | null {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return null;
  const unsigned = app.unsignCookie(raw);
  return unsigned.valid && unsigned.value && SESSION_ID.test(unsigned.value) ? unsigned.value : null;
}

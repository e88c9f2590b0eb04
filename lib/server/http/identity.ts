import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newSessionId } from '@/lib/server/domain/ids';
import { ipIdentity } from '@/lib/server/domain/ip-identity';
import { SESSION_HEADER } from '@/lib/server/session-header';

/** The session cookie's name on a plain-http site (no PUBLIC_URL, or an http one). */
export const SESSION_COOKIE = 'ec_sid';
/**
 * Its name when PUBLIC_URL is https: browsers accept a `__Host-` cookie only with Secure, Path=/ and
 * no Domain, so neither a plain-http page nor a sibling subdomain can plant or overwrite it.
 */
export const HOST_SESSION_COOKIE = '__Host-ec_sid';
const SESSION_ID = /^[A-Za-z0-9_-]{24}$/;
const ONE_YEAR_S = 365 * 24 * 3600;

declare module 'fastify' {
  interface FastifyRequest {
    sessionId: string;
    /** Keyed hash of the client's IP identity (ip-identity.ts: the IPv4 address or the IPv6 /64) for rate limits. */
    ipHash: string;
    /**
     * True when this request came without a valid session cookie: an API request was just given one,
     * a page request was not (pages never set the cookie; `sessionId` is then a throwaway id that no
     * page sees).
     */
    sessionIsNew: boolean;
  }
}

export interface IdentityOptions {
  /** Session secrets, the signing one first (the cookie plugin is registered with the same list). */
  secrets: readonly string[];
  /** PUBLIC_URL's origin, when set. */
  publicOrigin?: string;
}

/** Next's build output: content-hashed files, the same for everyone, cached by CDNs for a year. */
export const isStaticAsset = (url: string): boolean => url.startsWith('/_next/static/');

/** Fastify's API (`/api`, `/api/*`); every other path is a page or a file Next serves. */
export const isApiPath = (url: string): boolean => {
  const path = url.split('?')[0] ?? '';
  return path === '/api' || path.startsWith('/api/');
};

/**
 * Gives every visitor an anonymous, signed session cookie on their first API response. Pages never
 * set it (issue 16): a page answered to a visitor without a session is the same for everyone, so a
 * shared cache (CDN) may store it; the browser engine's first API call (the vote lookup after
 * hydration, or a write) gets the cookie. A page request with a valid cookie is rendered for that
 * session (the session id reaches Next in SESSION_HEADER); one without gets no session header.
 * A cookie signed with an older secret, or under the pre-https name, keeps its session and is
 * written again under the current name and secret, by the next API response.
 */
export function registerIdentity(app: FastifyInstance, opts: IdentityOptions): void {
  // From the signing secret: rotating it changes every IP hash, so per-IP rate-limit windows
  // start afresh (docs/SECURITY.md, "Headers and cookies").
  const ipKey = createHmac('sha256', opts.secrets[0]!).update('ip-hash-key').digest();
  const httpsSite = opts.publicOrigin?.startsWith('https:') ?? false;
  const name = httpsSite ? HOST_SESSION_COOKIE : SESSION_COOKIE;
  app.decorateRequest('sessionId', '');
  app.decorateRequest('ipHash', '');
  app.decorateRequest('sessionIsNew', false);
  app.addHook('onRequest', async (request, reply) => {
    delete request.raw.headers[SESSION_HEADER];
    if (isStaticAsset(request.url)) return;
    request.ipHash = createHmac('sha256', ipKey).update(ipIdentity(request.ip)).digest('base64url').slice(0, 22);
    const found = readSession(app, request, name);
    request.sessionId = found?.id ?? newSessionId();
    request.sessionIsNew = !found;
    if (!isApiPath(request.url)) {
      if (found) request.raw.headers[SESSION_HEADER] = request.sessionId;
      return;
    }
    if (!found || found.rewrite) {
      const cookies = [
        app.serializeCookie(name, app.signCookie(request.sessionId), {
          httpOnly: true,
          sameSite: 'lax',
          path: '/',
          maxAge: ONE_YEAR_S,
          // Behind a TLS proxy the request arrives as plain http: PUBLIC_URL says what the browser sees.
          secure: httpsSite || request.protocol === 'https',
        }),
      ];
      if (found?.legacyName) cookies.push(app.serializeCookie(SESSION_COOKIE, '', { path: '/', maxAge: 0 }));
      reply.raw.setHeader('set-cookie', cookies.length === 1 ? cookies[0]! : cookies);
    }
    request.raw.headers[SESSION_HEADER] = request.sessionId;
  });
}

interface FoundSession {
  id: string;
  /** Signed with an older secret or stored under the old name: write it again. */
  rewrite: boolean;
  legacyName: boolean;
}

function readSession(app: FastifyInstance, request: FastifyRequest, name: string): FoundSession | null {
  const current = verify(app, request.cookies[name]);
  if (current) return { id: current.id, rewrite: current.renew, legacyName: false };
  if (name === SESSION_COOKIE) return null;
  // The site moved to https: keep the visitor's session (and votes) from the plain cookie.
  const legacy = verify(app, request.cookies[SESSION_COOKIE]);
  return legacy ? { id: legacy.id, rewrite: true, legacyName: true } : null;
}

function verify(app: FastifyInstance, raw: string | undefined): { id: string; renew: boolean } | null {
  if (!raw) return null;
  const unsigned = app.unsignCookie(raw);
  return unsigned.valid && unsigned.value && SESSION_ID.test(unsigned.value) ? { id: unsigned.value, renew: unsigned.renew } : null;
}

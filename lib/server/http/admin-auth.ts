import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@/lib/server/domain/errors';

export const ADMIN_COOKIE = 'ec_admin';
/** An admin cookie is good for this long; then the login form again. */
export const ADMIN_COOKIE_TTL_S = 12 * 3600;

export interface AdminAuthConfig {
  adminToken?: string;
  trustProxy: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();
/** Equal-length digests compared in constant time: neither content nor length leaks through timing. */
const sameSecret = (given: string, expected: string) => timingSafeEqual(sha256(given), sha256(expected));

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (how a dual-stack socket reports 127.0.0.1). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

// The cookie is `<expiry ms>.<HMAC(key, expiry)>` with a key derived from ADMIN_TOKEN: changing the
// token logs every admin out, and the cookie never contains the token itself.
const cookieKey = (token: string) => createHmac('sha256', token).update('ec-admin-cookie-v1').digest();
const cookieMac = (token: string, expires: string) => createHmac('sha256', cookieKey(token)).update(expires).digest('base64url');

export function adminCookieValue(token: string, nowMs: number): string {
  const expires = String(nowMs + ADMIN_COOKIE_TTL_S * 1000);
  return `${expires}.${cookieMac(token, expires)}`;
}

/** Whether an `ec_admin` cookie value is valid for this token now (pages check it too: app/dashboard). */
export function isAdminCookie(token: string, value: string | undefined, nowMs: number): boolean {
  const dot = value?.indexOf('.') ?? -1;
  if (!value || dot < 1) return false;
  const expires = value.slice(0, dot);
  if (!/^\d{1,15}$/.test(expires) || Number(expires) <= nowMs) return false;
  return sameSecret(value.slice(dot + 1), cookieMac(token, expires));
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer +(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * The one admin check (defineRoute's `admin: true`). With ADMIN_TOKEN: a Bearer token or the login
 * cookie, else 401. Without it: loopback only, else 403. The socket address decides, not
 * `request.ip`, which TRUST_PROXY=1 takes from X-Forwarded-For; behind a trusted proxy (itself often
 * on loopback) the forwarded client address must be loopback too, so a proxied outsider never
 * counts as local. Without TRUST_PROXY a forged X-Forwarded-For changes nothing.
 */
export function authorizeAdmin(request: FastifyRequest, config: AdminAuthConfig, nowMs = Date.now()): void {
  const token = config.adminToken;
  if (token) {
    const bearer = bearerOf(request);
    if (bearer !== undefined ? sameSecret(bearer, token) : isAdminCookie(token, request.cookies[ADMIN_COOKIE], nowMs)) return;
    throw new DomainError('unauthorized', 'Admin access needs `Authorization: Bearer <ADMIN_TOKEN>` or the admin login cookie.');
  }
  const local = isLoopback(request.socket.remoteAddress) && (!config.trustProxy || isLoopback(request.ip));
  if (!local) throw new DomainError('forbidden', 'Admin access is open to loopback only until ADMIN_TOKEN is set.');
}

/** POST /api/admin/login: a right token gets the HttpOnly, SameSite=Strict admin cookie. */
export function logIn(request: FastifyRequest, reply: FastifyReply, config: AdminAuthConfig, given: string): void {
  const token = config.adminToken;
  if (!token) throw new DomainError('forbidden', 'Admin login is off: ADMIN_TOKEN is not set (loopback has access).');
  if (!sameSecret(given, token)) throw new DomainError('unauthorized', 'Wrong admin token.');
  const cookie = reply.server.serializeCookie(ADMIN_COOKIE, adminCookieValue(token, Date.now()), {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    maxAge: ADMIN_COOKIE_TTL_S,
    secure: request.protocol === 'https',
  });
  // Next to a new visitor's session cookie, which identity.ts wrote on the raw response.
  const existing = reply.raw.getHeader('set-cookie');
  reply.raw.setHeader('set-cookie', [...(existing === undefined ? [] : [existing].flat().map(String)), cookie]);
}

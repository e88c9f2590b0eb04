import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** PUBLIC_URL's origin, when set: https adds HSTS and upgrade-insecure-requests. */
  publicOrigin?: string;
  /** Next's development server evaluates code (React's dev tools): pages allow eval there only. */
  dev: boolean;
}

const httpsSite = (opts: SecurityHeaderOptions) => opts.publicOrigin?.startsWith('https:') ?? false;

/**
 * Headers for every reply, API and page alike: helmet writes them on the raw response in an
 * onRequest hook, so they also reach responses Next renders after the hand-off. The CSP set here is
 * the API's (JSON loads nothing); pages get their own with a nonce (`setPageCsp`).
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: SecurityHeaderOptions): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    // Without includeSubDomains: the operator's other subdomains are not ours to pin to https.
    strictTransportSecurity: httpsSite(opts) ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'deny' },
  });
}

/** The page policy for one script nonce: only scripts carrying it (and what they load) run. */
export function pageCsp(nonce: string, opts: SecurityHeaderOptions): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': Next's nonced bootstrap loads the chunks; 'self' is ignored by browsers
    // that know strict-dynamic and kept as the fallback for those that do not.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    // Inline styles stay allowed: React style attributes cannot carry a nonce, and CSS cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    // Workers: the proof-of-work solver (lib/metrics-client/worker-solver.ts) and the offline service
    // worker (public/sw.js), both same-origin. Without worker-src they would fall back to script-src,
    // where 'strict-dynamic' makes browsers ignore 'self' and has no nonce to offer a worker.
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (httpsSite(opts)) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/**
 * A dedicated worker runs under the CSP of its own script's response, not the page's. The API's
 * `default-src 'none'` on a build chunk would stop Turbopack's worker bootstrap from loading its
 * chunks (importScripts), so the proof-of-work solver's worker could not start. Script responses
 * carry this instead: same-origin scripts only, nothing else (a script response is no document).
 */
export const SCRIPT_ASSET_CSP = "default-src 'none'; script-src 'self'";

export function setScriptAssetCsp(res: ServerResponse): void {
  res.setHeader('content-security-policy', SCRIPT_ASSET_CSP);
}

/**
 * Before a page is handed to Next: a fresh nonce per render, in the response's CSP and in the
 * request's CSP header, which is where Next reads the nonce it puts on its scripts. A client's own
 * CSP request header is overwritten, so nobody chooses the nonce a page is rendered with (that
 * matters for the feed, whose bytes are replayed to everyone: ARCHITECTURE.md, "Feed cache").
 */
export function setPageCsp(req: IncomingMessage, res: ServerResponse, opts: SecurityHeaderOptions): void {
  const policy = pageCsp(randomBytes(16).toString('base64'), opts);
  delete req.headers['content-security-policy-report-only'];
  req.headers['content-security-policy'] = policy;
  res.setHeader('content-security-policy', policy);
}

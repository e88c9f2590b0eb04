import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType, z } from 'zod';
import { exposeIdSchema, idempotencyKeySchema } from '@/lib/contracts/common';
import type { ErrorCode } from '@/lib/contracts/errors';
import type { AuditKind } from '@/lib/server/domain/audit';
import type { ChallengeOp } from '@/lib/server/domain/challenge';
import { DomainError } from '@/lib/server/domain/errors';
import type { Container } from '@/lib/server/container';
import type { WriteKind, WriteOutcome } from '@/lib/server/observability/probes';
import { authorizeAdmin } from './admin-auth';
import { describeRoute, type SuccessDoc } from './openapi';
import type { RateLimitName } from './rate-limits';

type Infer<S> = S extends ZodType ? z.output<S> : undefined;

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  sessionId: string;
  ipHash: string;
  /** The client IP and user agent, for the viewer hash only: never stored, never logged. */
  ip: string;
  userAgent: string;
  idempotencyKey?: string;
  /** The X-Challenge-Solution header, unchecked (challenge.ts verifies it), on `challenge` routes. */
  challengeSolution?: string;
  container: Container;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A successful write's outcome when it is not plain "applied" (ec_writes_total). */
  outcome?: WriteOutcome;
}

export interface RouteSpec<BS extends ZodType | undefined, QS extends ZodType | undefined, PS extends ZodType | undefined> {
  method: 'GET' | 'POST';
  url: string;
  body?: BS;
  querystring?: QS;
  params?: PS;
  rateLimit?: RateLimitName;
  /**
   * A counter write: a request refused by the rate limit is recorded in the audit as dropped
   * (`rate_limited`) under the body's exposeId. Its 429 then waits until the (at most 16 KiB)
   * body is read, since the exposeId is in the body.
   */
  audit?: AuditKind;
  /** Admin only (admin-auth.ts): checked first, before rate limits and parsing. */
  admin?: boolean;
  /** Counts the route's requests in ec_writes_total under this kind. */
  write?: WriteKind;
  /** One line for the OpenAPI document. */
  summary: string;
  /** Success replies by status (schemas from lib/contracts): documented, and checked by the tests. */
  response: Record<number, SuccessDoc>;
  /** Errors the route's own work can answer; the ones this wrapper answers are added (describeRoute). */
  errors?: readonly ErrorCode[];
  /** Takes an Idempotency-Key header (documented; the header is parsed for every route). */
  idempotent?: boolean;
  /** Beyond the free writes, needs a proof of work (428 challenge_required, X-Challenge-Solution). */
  challenge?: ChallengeOp;
  handler: (ctx: RouteContext<Infer<BS>, Infer<QS>, Infer<PS>>) => Promise<RouteResult | void>;
}

export type ApiRoute = (app: FastifyInstance, container: Container) => void;

/**
 * With PUBLIC_URL, the Origin must be exactly that origin (the Host a proxy forwards may be an
 * internal one). Without it, compares scheme-normalised hosts, so `http://localhost:80` equals
 * Host `localhost:80`.
 */
function sameOrigin(origin: string, request: FastifyRequest, publicOrigin: string | undefined): boolean {
  const host = request.headers.host;
  try {
    if (publicOrigin) return new URL(origin).origin === publicOrigin;
    return host !== undefined && new URL(origin).host === new URL(`${request.protocol}://${host}`).host;
  } catch {
    return false;
  }
}

/**
 * The one wrapper every API route goes through. It owns write checks (Origin, JSON), rate limits,
 * parsing (zod through the type provider), identity and the Idempotency-Key header; errors thrown
 * anywhere are mapped by the app's error handler. A route only declares what it needs.
 */
export function defineRoute<
  BS extends ZodType | undefined = undefined,
  QS extends ZodType | undefined = undefined,
  PS extends ZodType | undefined = undefined,
>(spec: RouteSpec<BS, QS, PS>): ApiRoute {
  const isWrite = spec.method === 'POST';
  const refused = new WeakMap<FastifyRequest, unknown>();
  return (app, container) => {
    app.route({
      method: spec.method,
      url: spec.url,
      schema: Object.fromEntries(
        Object.entries({ body: spec.body, querystring: spec.querystring, params: spec.params }).filter(([, s]) => s),
      ),
      config: { writeKind: spec.write, rateLimitAction: spec.rateLimit, openapi: describeRoute(spec) },
      // Runs before the body is read: a foreign Origin or a non-JSON body is refused unparsed.
      onRequest: async (request) => {
        if (spec.admin) authorizeAdmin(request, container.config);
        if (isWrite) {
          const origin = request.headers.origin;
          if (origin !== undefined && !sameOrigin(origin, request, container.config.publicOrigin)) {
            throw new DomainError('forbidden_origin', 'Cross-site writes are not allowed.');
          }
          const type = request.headers['content-type'] ?? '';
          if (!/^application\/json\s*(;|$)/i.test(type)) {
            throw new DomainError('unsupported_media_type', 'Send the body as application/json.');
          }
        }
        if (spec.rateLimit) {
          const keys = { sessionId: request.sessionId, ipHash: request.ipHash, sessionIsNew: request.sessionIsNew };
          const consumed = (async () => {
            if (isWrite && request.sessionIsNew) await container.rateLimits.consume('newSession', keys);
            await container.rateLimits.consume(spec.rateLimit!, keys);
          })();
          if (!spec.audit) return consumed;
          await consumed.catch((err: unknown) => {
            if (!(err instanceof DomainError && err.code === 'rate_limited')) throw err;
            refused.set(request, err);
          });
        }
      },
      // Body read, not yet validated: a refused write is counted under the exposeId it names.
      preValidation: async (request) => {
        const err = refused.get(request);
        if (err === undefined) return;
        const exposeId = (request.body as { exposeId?: unknown } | undefined)?.exposeId;
        if (spec.audit && typeof exposeId === 'string' && exposeIdSchema.safeParse(exposeId).success) {
          container.audit.record(exposeId, spec.audit, 'rate_limited');
        }
        throw err;
      },
      handler: async (request, reply) => {
        const rawKey = request.headers['idempotency-key'];
        let idempotencyKey: string | undefined;
        if (rawKey !== undefined) {
          const parsed = idempotencyKeySchema.safeParse(rawKey);
          if (!parsed.success) throw new DomainError('invalid_input', 'Idempotency-Key must be 1-128 visible ASCII characters.');
          idempotencyKey = parsed.data;
        }
        const solution = spec.challenge ? request.headers['x-challenge-solution'] : undefined;
        if (Array.isArray(solution)) throw new DomainError('invalid_input', 'Send one X-Challenge-Solution header.');
        const result = await spec.handler({
          body: request.body as Infer<BS>,
          query: request.query as Infer<QS>,
          params: request.params as Infer<PS>,
          sessionId: request.sessionId,
          ipHash: request.ipHash,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? '',
          idempotencyKey,
          challengeSolution: solution,
          container,
          request,
          reply,
        });
        if (!result) return reply;
        if (result.outcome) request.writeOutcome = result.outcome;
        if (result.headers) reply.headers(result.headers);
        return reply.code(result.status ?? 200).send(result.body);
      },
    });
  };
}

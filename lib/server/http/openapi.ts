import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import { idempotencyKeySchema } from '@/lib/contracts/common';
import { challengeSchema, type ErrorCode } from '@/lib/contracts/errors';
import { statusOf } from './errors';
import type { RouteSpec } from './route';

/** A success response: a JSON body schema, or another media type with its description. */
/** A zod schema (JSON body), a body of another media type, or a reply with no body (204: `content` left out). */
export type SuccessDoc = ZodType | { description: string; content?: Record<string, { schema: ZodType }> };

/**
 * What the document says about a route besides what Fastify validates (body, query, params):
 * defineRoute fills it in from the route spec. Responses are documentation only: Fastify never sees
 * them, so replies are not re-validated or stripped on the hot path (tests check real replies
 * against the document instead).
 */
export interface RouteDocs {
  summary?: string;
  headers?: ZodType;
  success: Record<number, SuccessDoc>;
  errors: readonly ErrorCode[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: RouteDocs;
  }
}

const idempotencyKeyHeader = { 'idempotency-key': idempotencyKeySchema.optional() };
const challengeSolutionHeader = {
  'x-challenge-solution': z
    .string()
    .max(2048)
    .optional()
    .describe('The solution of a 428 challenge: base64 of the ALTCHA payload JSON {algorithm, challenge, number, salt, signature}.'),
};

type DocFields = Pick<
  RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined>,
  'method' | 'body' | 'querystring' | 'params' | 'rateLimit' | 'summary' | 'response' | 'errors' | 'idempotent' | 'challenge'
>;

/** A route's description: its own errors plus those of the checks defineRoute makes. */
export function describeRoute(spec: DocFields): RouteDocs {
  const errors = new Set<ErrorCode>();
  if (spec.body || spec.querystring || spec.params || spec.idempotent) errors.add('invalid_input');
  if (spec.method === 'POST') {
    for (const code of ['invalid_json', 'forbidden_origin', 'payload_too_large', 'unsupported_media_type'] as const) errors.add(code);
  }
  if (spec.idempotent) {
    errors.add('idempotency_key_in_use');
    errors.add('idempotency_key_reused');
  }
  if (spec.rateLimit) errors.add('rate_limited');
  if (spec.challenge) {
    errors.add('challenge_required');
    errors.add('challenge_failed');
  }
  for (const code of spec.errors ?? []) errors.add(code);
  errors.add('internal');
  return {
    summary: spec.summary,
    success: spec.response,
    errors: [...errors],
    headers:
      spec.idempotent || spec.challenge
        ? z.object({ ...(spec.idempotent ? idempotencyKeyHeader : {}), ...(spec.challenge ? challengeSolutionHeader : {}) })
        : undefined,
  };
}

const RETRY_AFTER = new Set<ErrorCode>(['idempotency_key_in_use', 'rate_limited', 'unavailable']);

/** API.md's error envelope, with the codes this status can carry on this route. */
function errorResponses(codes: readonly ErrorCode[]): Record<number, SuccessDoc> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Error: ${list.join(', ')}`,
        content: {
          'application/json': {
            schema: z.object({
              error: z.object({ code: z.enum(list as [ErrorCode, ...ErrorCode[]]), message: z.string() }),
              // 428 challenge_required: what to solve (docs/API.md "Proof of work").
              ...(list.includes('challenge_required') ? { challenge: challengeSchema } : {}),
            }),
          },
        },
      },
    ]),
  );
}

const asContent = (doc: SuccessDoc): object => {
  if ('_zod' in doc) return { description: 'OK', content: { 'application/json': { schema: doc } } };
  // @fastify/swagger writes no content for a response whose schema's type is 'null'.
  return doc.content ? doc : z.null().describe(doc.description);
};

type ResponseObject = { headers?: Record<string, unknown> };

/** Response headers every reply carries, and Retry-After where API.md promises it. */
function addResponseHeaders(response: Record<string, ResponseObject>, codes: readonly ErrorCode[]): void {
  const retryStatuses = new Set(codes.filter((c) => RETRY_AFTER.has(c)).map((c) => String(statusOf(c))));
  for (const [status, res] of Object.entries(response)) {
    res.headers = {
      'x-request-id': { type: 'string', description: 'The request id, as in the server log.' },
      ...(retryStatuses.has(status) ? { 'retry-after': { type: 'integer', description: 'Seconds to wait before retrying.' } } : {}),
    };
  }
}

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (fastify-type-provider-zod's
 * transform) and the docs defineRoute attaches to every route. Register before the routes: the
 * plugin collects them as they are added. An /api route without docs fails the document, so a
 * route added some other way cannot go missing from it quietly.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Expose Corner API',
        version: '1',
        description: 'Live engagement metrics for exposes. The contract in prose: docs/API.md.',
      },
    },
    transform: (document) => {
      const docs = document.route.config?.openapi;
      if (!docs) {
        if (document.url.startsWith('/api/')) throw new Error(`API route ${document.url} has no OpenAPI description`);
        return { schema: { hide: true }, url: document.url };
      }
      const response = Object.fromEntries(
        Object.entries({ ...docs.success, ...errorResponses(docs.errors) }).map(([status, doc]) => [status, asContent(doc)]),
      );
      const schema = { ...document.schema, response, ...(docs.headers ? { headers: docs.headers } : {}) };
      if (docs.summary) Object.assign(schema, { summary: docs.summary });
      const out = jsonSchemaTransform({ ...document, schema: schema as unknown as FastifySchema });
      addResponseHeaders(out.schema.response as Record<string, ResponseObject>, docs.errors);
      return out;
    },
  });
}

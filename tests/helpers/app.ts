import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@/lib/server/config';
import { createContainer, type Container, type ContainerOverrides } from '@/lib/server/container';
import { buildApp, type BuildAppOptions } from '@/lib/server/http/app';
import { createTelemetry } from '@/lib/server/observability/telemetry';
import type { Store } from '@/lib/server/store/port';

export interface TestApp {
  app: FastifyInstance;
  container: Container;
  close(): Promise<void>;
}

/** The real Fastify app over a real store, without Next (API tests go through inject). */
export async function createTestApp(
  store: Store,
  opts: { env?: Record<string, string>; overrides?: ContainerOverrides; app?: BuildAppOptions } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ec-test-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SEED_DEMO: '0', LOG_LEVEL: 'silent', ...opts.env });
  // Without prom-client's process metrics, whose samplers outlive a container: tests build many.
  const container = await createContainer(config, { store, telemetry: createTelemetry({ defaultMetrics: false }), ...opts.overrides });
  const app = await buildApp(container, opts.app);
  await app.ready();
  return {
    app,
    container,
    /** Closes the app (and a Redis connection); the store belongs to the test database. */
    async close() {
      await app.close();
      // What the audit still holds goes to the store now, not on a timer after the store closed.
      await container.audit.close();
      container.redis?.disconnect();
    },
  };
}

/** Pulls the session cookie out of a response so the next request acts as the same visitor. */
export function sessionCookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first !== 'string') throw new Error('no session cookie set');
  return first.split(';')[0]!;
}

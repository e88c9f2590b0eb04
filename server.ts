import next from 'next';
import { buildApp } from '@/lib/server/http/app';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { createContainer } from '@/lib/server/container';
import { createLogger } from '@/lib/server/logging';
import { publishContainer } from '@/lib/server/runtime';
import { isClusterPrimary, runPrimary, workerMaySeed } from '@/lib/server/cluster';
import { CACHEABLE_FEED_PATHS } from '@/lib/contracts/feed-order';
import { withPageCache, type PageHandler } from '@/lib/server/pages/page-cache';
import { handleShutdownSignals } from '@/lib/server/lifecycle/shutdown';

process.env.NEXT_TELEMETRY_DISABLED = '1';
// The config's default (production) also for Next and React, which read NODE_ENV themselves.
(process.env as Record<string, string | undefined>).NODE_ENV ??= 'production';

/** The process: container, Fastify API on /api/*, every other path rendered by Next. */
async function main() {
  const loaded = loadConfig(process.env);
  if (isClusterPrimary(loaded.webConcurrency)) {
    runPrimary(loaded.webConcurrency, (msg) => console.log(msg), loaded.shutdownTimeoutMs);
    return;
  }
  const config = { ...loaded, seedDemo: loaded.seedDemo && workerMaySeed() };
  const log = createLogger(config.logLevel);
  const container = await createContainer(config, { log });
  publishContainer(container);

  // Next needs Fastify's server, and Fastify's catch-all needs Next's handler: filled in below.
  const pages: { handle?: ReturnType<ReturnType<typeof next>['getRequestHandler']> } = {};
  const render: PageHandler = (req, res) => pages.handle!(req, res);
  // The feed's first page in each order (`/`, `/?sort=hot`, …) is the same for everyone: rendered
  // about once a second, replayed in between.
  const cached = config.dev || config.pageCacheMs === 0
    ? render
    : withPageCache(render, { paths: CACHEABLE_FEED_PATHS, freshMs: config.pageCacheMs, staleMs: 2 * config.pageCacheMs });
  const app = await buildApp(container, {
    logger: log,
    pageHandler: cached,
  });
  // Next rides on Fastify's server so the dev hot-reload websocket shares the port.
  const nextApp = next({ dev: config.dev, dir: process.cwd(), hostname: config.host, port: config.port, httpServer: app.server });
  await nextApp.prepare();
  pages.handle = nextApp.getRequestHandler();

  app.addHook('onClose', async () => {
    await nextApp.close();
    await container.close();
    publishContainer(undefined);
  });

  handleShutdownSignals({ app, drain: container.drain, timeoutMs: config.shutdownTimeoutMs });

  // Fastify's own line names every bound address; the log stays free of IP addresses (docs/SECURITY.md).
  await app.listen({ port: config.port, host: config.host, listenTextResolver: () => `listening on port ${config.port}` });
  app.log.info(
    { db: container.store.kind, redis: config.redisUrl ? 'single' : config.redisClusterNodes ? 'cluster' : false },
    `Expose Corner ready on http://localhost:${config.port}`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('Expose Corner failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});

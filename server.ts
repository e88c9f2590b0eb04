import next from 'next';
import { buildApp, loggerSerializers } from '@/lib/server/http/app';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { createContainer } from '@/lib/server/container';
import { publishContainer } from '@/lib/server/runtime';
import { isClusterPrimary, runPrimary, workerMaySeed } from '@/lib/server/cluster';
import { CACHEABLE_FEED_PATHS } from '@/lib/contracts/feed-order';
import { withPageCache, type PageHandler } from '@/lib/server/pages/page-cache';

process.env.NEXT_TELEMETRY_DISABLED = '1';

/** The process: container, Fastify API on /api/*, every other path rendered by Next. */
async function main() {
  const loaded = loadConfig(process.env);
  if (isClusterPrimary(loaded.webConcurrency)) {
    runPrimary(loaded.webConcurrency, (msg) => console.log(msg));
    return;
  }
  const config = { ...loaded, seedDemo: loaded.seedDemo && workerMaySeed() };
  const container = await createContainer(config);
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
    logger: { level: config.logLevel, serializers: loggerSerializers },
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

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { db: container.store.kind, redis: Boolean(config.redisUrl) },
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

import type { FastifyInstance } from 'fastify';
import type { DrainState } from './drain-state';
import { trackHttp } from './http-drain';

export interface ShutdownOptions {
  /** Closing it runs its preClose hooks (live streams end) and onClose hooks (Next, the container). */
  app: FastifyInstance;
  drain: DrainState;
  /** Last resort: exit 1 if the drain and close take longer (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown on SIGTERM / SIGINT (docs/ARCHITECTURE.md "Shutdown"):
 * 1. draining: readiness answers 503 and every new request gets 503 `unavailable` + Retry-After
 *    with `Connection: close`;
 * 2. the listener stops accepting, idle keep-alive connections close at once, live streams end
 *    (clients reconnect to another instance), busy connections close right after their reply;
 * 3. once no reply is owed, connections still receiving a request are closed;
 * 4. Next closes, then the container: accepted hot writes commit, the bus, Redis and the store
 *    (pool or PGlite) close, and the process exits 0.
 * Install before `listen`, so every request is tracked.
 */
export function handleShutdownSignals(opts: ShutdownOptions): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const connections = trackHttp(opts.app.server);
  let started = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    const log = opts.app.log;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ timeoutMs: opts.timeoutMs }, 'shutdown timed out; exiting');
      exit(1);
    }, opts.timeoutMs);
    force.unref();
    opts.drain.begin();
    Promise.all([connections.drain(), opts.app.close()]).then(
      () => {
        log.info('shut down');
        exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

import cluster from 'node:cluster';
import { serveClusterMetrics } from './observability/cluster-metrics';

/**
 * WEB_CONCURRENCY=N > 1: this (primary) process forks N workers that share the port (node:cluster
 * distributes connections) and each run the whole server. A worker that dies is replaced; SIGTERM
 * and SIGINT are passed on and the primary exits when every worker has.
 */
export function runPrimary(workers: number, log: (msg: string) => void, shutdownTimeoutMs: number): void {
  let stopping = false;
  // GET /api/metrics on any worker asks this process for every worker's series.
  serveClusterMetrics();
  const fork = (seedDemo: boolean) => cluster.fork({ EC_WORKER_SEEDS: seedDemo ? '1' : '0' });
  // Only the first worker seeds demo content, so two workers never seed the same empty database.
  for (let i = 0; i < workers; i++) fork(i === 0);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork(false);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    // Each worker drains within SHUTDOWN_TIMEOUT_MS (or forces itself out): a little longer here.
    setTimeout(() => process.exit(1), shutdownTimeoutMs + 2_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log(`primary ${process.pid} started ${workers} workers`);
}

export const isClusterPrimary = (workers: number): boolean => workers > 1 && cluster.isPrimary;
/** In a worker, whether it is the one allowed to seed (always true outside a cluster). */
export const workerMaySeed = (): boolean => process.env.EC_WORKER_SEEDS !== '0';

import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * WEB_CONCURRENCY > 1: the scrape reaches whichever worker node:cluster handed the connection to,
 * and that worker asks the primary over IPC; the primary collects every worker's registry
 * (prom-client's AggregatorRegistry: counters and histograms summed, default metrics by their own
 * aggregators) and sends the text back. So one scrape is the whole instance, never one random worker.
 */
const SCRAPE_REQUEST = 'ec:metrics:scrape';
const SCRAPE_REPLY = 'ec:metrics:scraped';
/** prom-client gives up on a silent worker after 5 s; answer before a scraper's usual 10 s timeout. */
const SCRAPE_TIMEOUT_MS = 8_000;

interface ScrapeRequest {
  type: typeof SCRAPE_REQUEST;
  id: string;
}
interface ScrapeReply {
  type: typeof SCRAPE_REPLY;
  id: string;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** In the primary: answer workers' scrape requests with the aggregate of all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<ScrapeRequest>(message, SCRAPE_REQUEST)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: SCRAPE_REPLY, id: message.id, text } satisfies ScrapeReply),
      (err: unknown) =>
        worker.isConnected() &&
        worker.send({ type: SCRAPE_REPLY, id: message.id, error: err instanceof Error ? err.message : String(err) } satisfies ScrapeReply),
    );
  });
}

/**
 * In a worker: answer the primary's collection with this registry (prom-client's listener, which
 * exists once an AggregatorRegistry is constructed), and return the scrape function that asks the
 * primary. Outside a cluster worker: undefined (scrape the registry directly).
 */
export function clusterScraper(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<string, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (!isMessage<ScrapeReply>(message, SCRAPE_REPLY)) return;
    const w = waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id);
    if (message.text !== undefined) w.resolve(message.text);
    else w.reject(new Error(`cluster scrape failed: ${message.error ?? 'no reply'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('cluster scrape timed out'));
      }, SCRAPE_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (t) => (clearTimeout(timer), resolve(t)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      process.send!({ type: SCRAPE_REQUEST, id } satisfies ScrapeRequest);
    });
}

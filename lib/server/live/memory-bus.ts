import type { LiveProbe } from '@/lib/server/observability/probes';
import type { MetricsBus } from './bus';
import { createLocalFanout } from './local-fanout';

/** The default bus: one process, no network. Every subscriber lives in this process. */
export function createMemoryBus(opts: { onListenerError?: (err: unknown) => void; probe?: LiveProbe } = {}): MetricsBus {
  const local = createLocalFanout(opts.onListenerError, opts.probe);
  return {
    publish: (snapshot) => local.deliver(snapshot),
    publishComment: (comment) => local.deliverComment(comment),
    subscribe: local.subscribe,
    listenerCount: local.listenerCount,
    async close() {
      local.clear();
    },
  };
}

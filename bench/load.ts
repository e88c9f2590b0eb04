import autocannon from 'autocannon';
import { measureCpu, type CpuSplit } from './cpu';

export interface LoadResult {
  name: string;
  connections: number;
  durationSec: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** CPU µs per request spent by the server, PostgreSQL, Redis and the load generator (when `serverPid` was given). */
  cpu?: CpuSplit;
}

export interface LoadSpec {
  name: string;
  url: string;
  connections: number;
  /** Either a fixed duration, or a fixed number of requests (exact-count checks need the latter). */
  durationSec?: number;
  amount?: number;
  method?: 'GET' | 'POST';
  path: string;
  /** Builds the body of the n-th request (n counts across all connections). */
  body?: (n: number) => unknown;
  /** Extra headers of the n-th request. */
  headers?: (n: number) => Record<string, string>;
  /** The server's PID, to split the CPU time of the run by process. */
  serverPid?: number;
}

/** One bounded autocannon run; every request may differ (distinct viewers, sessions, exposes). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let n = 0;
  const cpu = spec.serverPid ? measureCpu(spec.serverPid) : null;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSec ?? 10 }),
    requests: [
      {
        method: spec.method ?? 'GET',
        path: spec.path,
        setupRequest: (req) => {
          const i = n++;
          const headers: Record<string, string> = { ...spec.headers?.(i) };
          if (spec.body) headers['content-type'] = 'application/json';
          return { ...req, headers, body: spec.body ? JSON.stringify(spec.body(i)) : undefined };
        },
      },
    ],
  });
  const answered = result['2xx'] + result.non2xx;
  return {
    name: spec.name,
    connections: spec.connections,
    durationSec: Math.round(result.duration * 10) / 10,
    // Answered requests over the run's wall time (autocannon's own average is over whole seconds).
    reqPerSec: Math.round(answered / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ...(cpu ? { cpu: cpu(answered) } : {}),
  };
}

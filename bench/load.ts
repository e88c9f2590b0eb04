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
  const started = performance.now();
  let lastResponse = started;
  const options: autocannon.Options = {
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
  };
  // autocannon notices that a fixed amount is done on its 1 s tick, so its duration is rounded up
  // to whole seconds: time the run ourselves, to the last response.
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  const answered = result['2xx'] + result.non2xx;
  const seconds = (lastResponse - started) / 1000;
  return {
    name: spec.name,
    connections: spec.connections,
    durationSec: Math.round(seconds * 10) / 10,
    // Answered requests over the run's wall time (autocannon's own average is over whole seconds).
    reqPerSec: Math.round(answered / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ...(cpu ? { cpu: cpu(answered) } : {}),
  };
}

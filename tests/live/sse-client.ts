import http, { type IncomingHttpHeaders } from 'node:http';
import type { LiveSnapshot } from '@/lib/server/live/bus';

/** A real HTTP client on an SSE response: collects frames and lets a test wait for one, without polling. */
export interface SseConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** Complete frames (blocks ended by a blank line), in order. */
  frames(): string[];
  /** `event: metrics` payloads, in order. */
  events(): LiveSnapshot[];
  json(): unknown;
  /** Resolves with the predicate's first truthy value, re-checked on every chunk; rejects after `ms`. */
  waitFor<T>(predicate: (c: SseConnection) => T | undefined | false, ms?: number): Promise<T>;
  /** Resolves when the server ends the response or the socket closes. */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

export function parseEvents(frames: string[]): LiveSnapshot[] {
  return frames
    .filter((f) => f.startsWith('event: metrics\n'))
    .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as LiveSnapshot);
}

export function openSse(port: number, query: string, headers: Record<string, string> = {}, path = '/api/expose/stream'): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `${path}?${query}`, headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      let done = false;
      const waiters = new Set<() => void>();
      const check = () => {
        for (const w of [...waiters]) w();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        check();
      });
      const ended = new Promise<void>((r) => {
        const finish = () => {
          done = true;
          check();
          r();
        };
        res.on('end', finish);
        res.on('close', finish);
      });
      req.removeListener('error', reject);
      req.on('error', () => {});
      const conn: SseConnection = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => body,
        frames: () => body.split('\n\n').slice(0, -1),
        events: () => parseEvents(conn.frames()),
        json: () => JSON.parse(body) as unknown,
        waitFor(predicate, ms = 5_000) {
          return new Promise((res2, rej) => {
            const timer = setTimeout(() => {
              waiters.delete(w);
              rej(new Error(`timed out after ${ms} ms; received: ${JSON.stringify(body.slice(-500))}`));
            }, ms);
            const w = () => {
              const value = predicate(conn);
              if (value !== undefined && value !== false) {
                clearTimeout(timer);
                waiters.delete(w);
                res2(value);
              } else if (done) {
                clearTimeout(timer);
                waiters.delete(w);
                rej(new Error(`stream ended; received: ${JSON.stringify(body.slice(-500))}`));
              }
            };
            waiters.add(w);
            w();
          });
        },
        ended,
        isEnded: () => done,
        close: () => req.destroy(),
      };
      resolve(conn);
    });
  });
}

import type { ServerResponse } from 'node:http';
import { SSE_HEADERS } from './metrics-stream';

/**
 * The admin dashboard's live feed: one snapshot computed per tick and written to every open
 * dashboard stream (`event: dashboard`), so ten open dashboards cost one set of queries. The timer
 * runs only while a stream is open. A client that falls 1 MiB behind is dropped; it reconnects.
 */
export interface DashboardFeed {
  /** Writes the head and the first snapshot, then one per tick until the client goes or `end`. */
  attach(res: ServerResponse, headers?: Record<string, string | number | string[] | undefined>): Promise<{ end(): void; onEnd(fn: () => void): void }>;
  close(): void;
}

export function createDashboardFeed(opts: {
  read: () => Promise<unknown>;
  intervalMs: number;
  onError: (err: unknown) => void;
  maxBufferedBytes?: number;
}): DashboardFeed {
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const clients = new Set<{ res: ServerResponse; end: () => void }>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let reading = false;

  const frame = (data: unknown) => `event: dashboard\ndata: ${JSON.stringify(data)}\n\n`;
  const send = (c: { res: ServerResponse; end: () => void }, chunk: string) => {
    c.res.write(chunk);
    if (c.res.writableLength > maxBuffered) c.end();
  };
  const tick = async () => {
    if (reading || clients.size === 0) return;
    reading = true;
    try {
      const chunk = frame(await opts.read());
      for (const c of [...clients]) send(c, chunk);
    } catch (err) {
      opts.onError(err);
    } finally {
      reading = false;
    }
  };

  return {
    async attach(res, headers = {}) {
      const first = frame(await opts.read());
      const endListeners: (() => void)[] = [];
      let ended = false;
      const client = {
        res,
        end() {
          if (ended) return;
          ended = true;
          clients.delete(client);
          if (clients.size === 0 && timer) {
            clearInterval(timer);
            timer = undefined;
          }
          if (!res.writableEnded) res.end();
          for (const fn of endListeners.splice(0)) fn();
        },
      };
      if (res.destroyed) {
        client.end();
        return { end: client.end, onEnd: (fn) => fn() };
      }
      res.on('close', () => client.end());
      res.on('error', () => client.end());
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
      res.writeHead(200, SSE_HEADERS);
      res.write(`retry: 3000\n\n${first}`);
      clients.add(client);
      timer ??= setInterval(() => void tick(), opts.intervalMs);
      return {
        end: client.end,
        onEnd(fn) {
          if (ended) fn();
          else endListeners.push(fn);
        },
      };
    },
    close() {
      for (const c of [...clients]) c.end();
    },
  };
}

import type { ServerResponse } from 'node:http';
import { noLiveProbe, type LiveProbe } from '@/lib/server/observability/probes';
import type { LiveComment, LiveSnapshot, MetricsBus } from './bus';
import { createCoalescer, type Timers } from './coalescer';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
  'x-content-type-options': 'nosniff',
} as const;

export interface MetricsStreamOptions {
  ids: readonly string[];
  bus: MetricsBus;
  /** Current snapshots of the ids (unknown ones left out). */
  read: (ids: readonly string[]) => Promise<LiveSnapshot[]>;
  keepAliveMs: number;
  /** At most one event per expose per this many ms. */
  coalesceMs: number;
  /** A client this far behind is dropped; it reconnects and starts from a fresh snapshot. */
  maxBufferedBytes?: number;
  timers?: Timers;
  onError?: (err: unknown) => void;
  /** Counts events sent and slow clients dropped. */
  probe?: LiveProbe;
}

export interface MetricsStream {
  /** Sends the head, `retry:` and whatever queued up; events then go straight to `res`. */
  attach(res: ServerResponse, headers?: Record<string, string | number | string[] | undefined>): void;
  /** Ends the response and frees the subscription and timers; idempotent. */
  end(): void;
  onEnd(fn: () => void): void;
}

// Every subscriber of an expose gets the same snapshot object from the bus: serialise it once.
const frames = new WeakMap<LiveSnapshot, string>();
const frameOf = (s: LiveSnapshot): string => {
  let frame = frames.get(s);
  if (frame === undefined) frames.set(s, (frame = `event: metrics\ndata: ${JSON.stringify(s)}\n\n`));
  return frame;
};

const commentFrames = new WeakMap<LiveComment, string>();
const commentFrameOf = (c: LiveComment): string => {
  let frame = commentFrames.get(c);
  if (frame === undefined) commentFrames.set(c, (frame = `event: comment\ndata: ${JSON.stringify(c)}\n\n`));
  return frame;
};

/**
 * Opens one SSE stream's state before any byte is written, so a failed initial read can still be
 * answered with a proper error status. Order matters: subscribe first, then read, so a change that
 * commits during the read is not lost; the coalescer's version rule drops whichever copy is older.
 */
export async function prepareMetricsStream(opts: MetricsStreamOptions): Promise<MetricsStream> {
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const onError = opts.onError ?? (() => {});
  const probe = opts.probe ?? noLiveProbe;
  let res: ServerResponse | undefined;
  let queued: string[] = [];
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let ended = false;
  const endListeners: (() => void)[] = [];

  const write = (chunk: string) => {
    if (ended) return;
    if (!res) {
      queued.push(chunk);
      return;
    }
    res.write(chunk);
    if (res.writableLength > maxBuffered) {
      probe.slowClientDropped();
      stream.end();
    }
  };

  const emit = (s: LiveSnapshot) => {
    probe.eventSent();
    write(frameOf(s));
  };
  const coalescer = createCoalescer({ intervalMs: opts.coalesceMs, emit, timers: opts.timers });
  const offerAll = (list: LiveSnapshot[]) => {
    for (const s of list) coalescer.offer(s);
  };
  const unsubscribe = opts.bus.subscribe(opts.ids, (s) => coalescer.offer(s), {
    // Each comment goes out as it comes (not coalesced: every one is new content, not a state).
    onComment: (c) => write(commentFrameOf(c)),
    // Events were possibly missed: re-read; if even that fails, drop the client so it reconnects.
    onGap: () =>
      void opts.read(opts.ids).then(offerAll, (err: unknown) => {
        onError(err);
        stream.end();
      }),
  });

  const stream: MetricsStream = {
    attach(target, headers = {}) {
      res = target;
      // The client may have gone while the initial read ran: its 'close' has already fired.
      if (ended || target.destroyed || target.socket?.destroyed !== false) {
        stream.end();
        if (!target.writableEnded) target.end();
        return;
      }
      target.on('close', () => stream.end());
      target.on('error', (err) => {
        onError(err);
        stream.end();
      });
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) target.setHeader(name, value);
      target.writeHead(200, SSE_HEADERS);
      const backlog = queued;
      queued = [];
      write(`retry: 3000\n\n${backlog.join('')}`);
      keepAlive = setInterval(() => write(': keep-alive\n\n'), opts.keepAliveMs);
    },
    end() {
      if (ended) return;
      ended = true;
      unsubscribe();
      coalescer.close();
      if (keepAlive) clearInterval(keepAlive);
      queued = [];
      if (res && !res.writableEnded) res.end();
      for (const fn of endListeners.splice(0)) fn();
    },
    onEnd(fn) {
      if (ended) fn();
      else endListeners.push(fn);
    },
  };

  try {
    offerAll(await opts.read(opts.ids));
  } catch (err) {
    stream.end();
    throw err;
  }
  return stream;
}

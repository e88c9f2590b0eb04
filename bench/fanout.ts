import http from 'node:http';

export interface FanoutResult {
  name: string;
  subscribers: number;
  writes: number;
  deliveries: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
}

interface Subscriber {
  lastVersion: number;
  close(): void;
}

/** Opens one SSE stream and calls onVersion for every metrics event of the expose. */
function subscribe(url: string, onVersion: (v: number) => void): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const sub: Subscriber = { lastVersion: -1, close: () => req.destroy() };
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) onVersion((JSON.parse(data.slice(6)) as { version: number }).version);
        }
      });
      resolve(sub);
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * `subscribers` SSE clients watch one expose on `streamUrl`'s server; `writes` votes from fresh
 * sessions go to `writeUrl`'s server at `ratePerSec`. Latency: from the moment a write's reply
 * arrived to the moment each subscriber got an event with that version or a newer one (clamped at
 * 0: an event can beat the reply to the client).
 */
export async function runFanout(opts: {
  name: string;
  streamUrl: string;
  writeUrl: string;
  exposeId: string;
  subscribers: number;
  writes: number;
  ratePerSec: number;
}): Promise<FanoutResult> {
  const replyAt = new Map<number, number>();
  const latencies: number[] = [];
  const subs: Subscriber[] = [];
  const onEvent = (sub: Subscriber) => (version: number) => {
    const now = performance.now();
    for (const [v, at] of replyAt) if (v > sub.lastVersion && v <= version) latencies.push(Math.max(0, now - at));
    sub.lastVersion = Math.max(sub.lastVersion, version);
  };
  for (let i = 0; i < opts.subscribers; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, opts.subscribers - i) }, () => {
        let sub: Subscriber | undefined;
        let early = -1;
        return subscribe(`${opts.streamUrl}/api/expose/stream?ids=${opts.exposeId}`, (v) =>
          sub ? onEvent(sub)(v) : (early = Math.max(early, v)),
        ).then((s) => {
          sub = s;
          s.lastVersion = early;
          return s;
        });
      }),
    );
    subs.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 500)); // let every initial snapshot arrive

  const interval = 1000 / opts.ratePerSec;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < opts.writes; i++) {
    pending.push(
      fetch(`${opts.writeUrl}/api/expose/vote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ exposeId: opts.exposeId, voteType: i % 3 === 0 ? 'downvote' : 'upvote' }),
      }).then(async (res) => {
        const at = performance.now();
        const body = (await res.json()) as { version: number };
        if (!res.ok) return;
        replyAt.set(body.version, at);
        // Subscribers whose event beat this reply saw the write "before" it was acknowledged.
        for (const s of subs) if (s.lastVersion >= body.version) latencies.push(0);
      }),
    );
    await new Promise((r) => setTimeout(r, interval));
  }
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, 1000)); // the last coalesced events
  for (const s of subs) s.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    name: opts.name,
    subscribers: opts.subscribers,
    writes: opts.writes,
    deliveries: latencies.length,
    expected: replyAt.size * opts.subscribers,
    p50: Math.round(percentile(sorted, 50)),
    p99: Math.round(percentile(sorted, 99)),
    max: Math.round(sorted[sorted.length - 1] ?? 0),
  };
}

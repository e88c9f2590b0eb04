/**
 * Clients that send keyed shares and comments and retry each one until it is acknowledged, as
 * API.md tells clients to: network errors, 409 idempotency_key_in_use, 429 and 5xx are retried
 * with the same Idempotency-Key; a Retry-After replaces the backoff step (lib/metrics-client/policy.ts);
 * anything else is final and fails the run. Used by the outage and crash tests.
 */

/** Backoff before retry n: 250 ms doubling to 2 s. */
export const BACKOFF_MS = [250, 500, 1_000, 2_000] as const;

export interface KeyedWrite {
  kind: 'share' | 'comment';
  key: string;
  exposeId: string;
  startedAt: number;
  ackedAt?: number;
  statuses: (number | 'network')[];
  /** When each attempt was sent (performance.now()), in the order of `statuses`. */
  sentAt: number[];
}

export interface Attempt {
  status: number;
  retryAfter?: string | null;
  code?: string;
}

/** Sends one attempt of `write` as client `client`; throws on a network error. */
export type SendWrite = (client: number, write: KeyedWrite) => Promise<Attempt>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isRetryable(a: Attempt): boolean {
  if (a.status === 409) return a.code === 'idempotency_key_in_use';
  return a.status === 429 || a.status >= 500;
}

async function sendUntilAcknowledged(client: number, write: KeyedWrite, send: SendWrite): Promise<void> {
  for (let retry = 0; ; retry++) {
    let attempt: Attempt | undefined;
    write.sentAt.push(performance.now());
    try {
      attempt = await send(client, write);
    } catch {
      write.statuses.push('network');
    }
    if (attempt) {
      write.statuses.push(attempt.status);
      if (attempt.status >= 200 && attempt.status < 300) {
        write.ackedAt = performance.now();
        return;
      }
      if (!isRetryable(attempt)) throw new Error(`${write.kind} ${write.key}: final ${attempt.status} ${attempt.code ?? ''}`);
    }
    const retryAfter = attempt?.retryAfter ? Number(attempt.retryAfter) * 1000 : undefined;
    await sleep(retryAfter ?? BACKOFF_MS[Math.min(retry, BACKOFF_MS.length - 1)]!);
  }
}

export interface RetryingClients {
  /** Every write started so far, in start order. */
  writes: KeyedWrite[];
  acknowledged(): number;
  /** Lets each client finish (retry until acknowledged) its current write, then start no more. */
  stop(): Promise<void>;
}

/** `clients` loops, each sending one write at a time, alternating shares and comments over `exposeIds`. */
export function startRetryingClients(opts: { clients: number; exposeIds: readonly string[]; runId: string; send: SendWrite }): RetryingClients {
  const writes: KeyedWrite[] = [];
  let stopping = false;
  const loops = Array.from({ length: opts.clients }, async (_, client) => {
    for (let seq = 0; !stopping; seq++) {
      const write: KeyedWrite = {
        kind: seq % 2 === 0 ? 'share' : 'comment',
        key: `${opts.runId}-c${client}-${seq}`,
        exposeId: opts.exposeIds[(client + seq) % opts.exposeIds.length]!,
        startedAt: performance.now(),
        statuses: [],
        sentAt: [],
      };
      writes.push(write);
      await sendUntilAcknowledged(client, write, opts.send);
    }
  });
  const done = Promise.all(loops);
  // A loop that fails must not go unnoticed before stop() is awaited.
  done.catch(() => {});
  return {
    writes,
    acknowledged: () => writes.filter((w) => w.ackedAt !== undefined).length,
    async stop() {
      stopping = true;
      await done;
    },
  };
}

/** The request body of a write; a comment's body is its key, so the database shows each key's count. */
export const bodyOf = (w: KeyedWrite) =>
  w.kind === 'share' ? { exposeId: w.exposeId, channel: 'link' } : { exposeId: w.exposeId, body: w.key };

export const pathOf = (w: KeyedWrite) => (w.kind === 'share' ? '/api/expose/share' : '/api/expose/comments');

/** The attempts sent at or after `since` that were not acknowledged (a server that recovered has none). */
export const failuresSince = (writes: readonly KeyedWrite[], since: number) =>
  writes.flatMap((w) =>
    w.sentAt
      .map((at, i) => ({ key: w.key, at: Math.round(at - since), status: w.statuses[i]! }))
      .filter((a) => a.at >= 0 && a.status !== 200 && a.status !== 201),
  );

/** Resolves once `check` holds, polling every few milliseconds (a condition, not a fixed sleep). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type Query = <T>(text: string) => Promise<T[]>;

/**
 * What the database holds for the writes: shares (rows and counters), comments per body (= key)
 * and idempotency keys. Every acknowledged write must be there exactly once.
 */
export async function countsInDatabase(query: Query) {
  const [shares] = await query<{ rows: string; counter: string }>(
    `select (select count(*) from shares) as rows, (select coalesce(sum(shares), 0) from exposes) as counter`,
  );
  const [comments] = await query<{ rows: string; counter: string }>(
    `select (select count(*) from comments) as rows, (select coalesce(sum(comments), 0) from exposes) as counter`,
  );
  const bodies = await query<{ body: string; n: string }>(`select body, count(*) as n from comments group by body`);
  const [keys] = await query<{ n: string }>(`select count(*) as n from idempotency_keys`);
  return {
    shareRows: Number(shares!.rows),
    shareCounter: Number(shares!.counter),
    commentRows: Number(comments!.rows),
    commentCounter: Number(comments!.counter),
    commentsPerKey: new Map(bodies.map((b) => [b.body, Number(b.n)])),
    keys: Number(keys!.n),
  };
}

/** The same numbers as the writes imply when each was counted exactly once. */
export function expectedCounts(writes: readonly KeyedWrite[]) {
  const shares = writes.filter((w) => w.kind === 'share').length;
  const comments = writes.filter((w) => w.kind === 'comment');
  return {
    shareRows: shares,
    shareCounter: shares,
    commentRows: comments.length,
    commentCounter: comments.length,
    commentsPerKey: new Map(comments.map((w) => [w.key, 1])),
    keys: writes.length,
  };
}

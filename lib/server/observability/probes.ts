import type { TelemetryOp, WebVitalName } from '@/lib/contracts/telemetry-shape';
/**
 * What the instrumented parts report, as plain interfaces: the domain, store and live code depend
 * on these and never on prom-client. `telemetry.ts` implements them over one registry.
 */

export const WRITE_KINDS = ['vote', 'view', 'share', 'comment', 'expose'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** How a write request ended (docs/OPERATIONS.md "ec_writes_total"). */
export const WRITE_OUTCOMES = [
  'applied',
  'no_change',
  'replayed',
  'duplicate_view',
  'over_ip_cap',
  'bot',
  'rate_limited',
  'challenge_required',
  'challenge_failed',
  'expired',
  'not_found',
  'invalid',
  'unavailable',
  'error',
] as const;
export type WriteOutcome = (typeof WRITE_OUTCOMES)[number];

/** The hot-write path (hot-writes.ts): batch sizes and the time from enqueue to commit. */
export interface WritePathProbe {
  batch(kind: 'vote' | 'view', size: number): void;
  committed(kind: 'vote' | 'view', seconds: number): void;
}

/** Live fan-out: events written to streams, clients dropped for being too slow, delivery lag. */
export interface LiveProbe {
  eventSent(): void;
  slowClientDropped(): void;
  /** From the publish (on this or, over Redis, another instance) to the hand-over to listeners. */
  delivered(source: 'local' | 'redis', seconds: number): void;
  /** A message arrived from Redis (before it is matched to this instance's listeners). */
  busReceived(): void;
}

/** Store queries by port function name; failures by SQLSTATE class. */
export interface DbProbe {
  query(name: string, seconds: number): void;
  error(sqlStateClass: string): void;
}

/** Client telemetry (POST /api/telemetry): one call per operation record, vital and error class. */
export interface ClientProbe {
  operation(op: TelemetryOp): void;
  /** ms, or unitless for CLS (as web-vitals reports them). */
  vital(name: WebVitalName, value: number): void;
  error(errorClass: string, count: number): void;
  heap(bytes: number): void;
}

export interface MaintenanceProbe {
  ran(result: 'ok' | 'error', deleted?: Readonly<Record<string, number>>): void;
}

export const noWritePathProbe: WritePathProbe = { batch: () => {}, committed: () => {} };
export const noLiveProbe: LiveProbe = { eventSent: () => {}, slowClientDropped: () => {}, delivered: () => {}, busReceived: () => {} };

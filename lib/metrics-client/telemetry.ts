import {
  ERROR_CLASS_PATTERN,
  TELEMETRY_INTERVAL_MS,
  TELEMETRY_MAX_ERRORS,
  TELEMETRY_MAX_OPS,
  TELEMETRY_MAX_VITALS,
  type TelemetryBatch,
  type TelemetryOp,
  type WebVitalName,
} from '@/lib/contracts/telemetry-shape';
import { TELEMETRY_MAX_EXPERIMENTS } from '@/lib/contracts/experiments-shape';
import type { EngineEvent } from './events';
import type { OpKind } from './operations';
import { globalTimers, type TimerSeams } from './timers';

/**
 * Client telemetry (docs/ARCHITECTURE.md "Analytics"): turns the engine's event log into one
 * record per operation (outcome, attempts, retries, timeouts, retry exhaustion, click-to-ack
 * latency), adds page figures (Web Vitals, uncaught error classes, JS heap), and hands batches to
 * `send` at most every 10 s and when the page is hidden. It only listens to `onEvent`; it never
 * reaches into the engine. Nothing here may break or slow the page: `send` failures are ignored
 * (the batch is lost), and every list is bounded.
 */

/** Failure codes that mean "gave up retrying" (network, timeout, 429, 409 in use, 5xx); others are final answers. */
const RETRYABLE_CODES = new Set(['network', 'timeout', 'unavailable', 'rate_limited', 'idempotency_key_in_use', 'internal', 'http']);

/** What `send` reports back: false = this session is not sampled, stop collecting. */
export type SendResult = boolean | undefined | void;

export interface TelemetryOptions {
  /** Posts one batch; `final` = the page is being hidden (use a beacon). */
  send: (batch: TelemetryBatch, final: boolean) => Promise<SendResult> | SendResult;
  timers?: TimerSeams;
  intervalMs?: number;
  /** The JS heap in use, where the browser tells (Chrome's performance.memory). */
  heapBytes?: () => number | undefined;
}

interface OpenOp {
  kind: OpKind;
  start: number;
  attempts: number;
  retries: number;
  timeouts: number;
}

/** Operations not settled after this many are forgotten (a bound, not a timeout). */
const MAX_OPEN = 500;

export class TelemetryCollector {
  private readonly open = new Map<string, OpenOp>();
  private ops: TelemetryOp[] = [];
  private vitals: TelemetryBatch['vitals'] = [];
  private errors = new Map<string, number>();
  /** Experiment -> variant this session was exposed to; every later batch names them. */
  private readonly exposed = new Map<string, string>();
  private timer: unknown;
  private stopped = false;
  private readonly timers: TimerSeams;
  private readonly intervalMs: number;

  constructor(private readonly opts: TelemetryOptions) {
    this.timers = opts.timers ?? globalTimers;
    this.intervalMs = opts.intervalMs ?? TELEMETRY_INTERVAL_MS;
  }

  /** Subscribes to an engine's event log (`engine.onEvent`); returns the unsubscribe. */
  observe(source: { onEvent(listener: (e: EngineEvent) => void): () => void }): () => void {
    return source.onEvent((e) => this.onEvent(e));
  }

  onEvent(e: EngineEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case 'op_queued':
        if (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value!);
        this.open.set(e.opId, { kind: e.kind, start: e.at, attempts: 0, retries: 0, timeouts: 0 });
        return;
      case 'request_sent': {
        const op = e.opId === undefined ? undefined : this.open.get(e.opId);
        if (op) op.attempts++;
        return;
      }
      case 'retry_scheduled': {
        const op = e.opId === undefined ? undefined : this.open.get(e.opId);
        if (!op) return;
        op.retries++;
        if (e.code === 'timeout') op.timeouts++;
        return;
      }
      case 'ack':
        this.settle(e.opId, 'acknowledged', e.at, false, false);
        return;
      case 'failure':
        // Disposed (page closing) is not a failure the user saw: the op was dropped.
        if (e.code === 'aborted') this.settle(e.opId, 'dropped', e.at, false, false);
        else this.settle(e.opId, 'rolled_back', e.at, RETRYABLE_CODES.has(e.code), e.code === 'timeout');
        return;
      case 'op_dropped':
        this.settle(e.opId, 'dropped', e.at, false, false);
        return;
      case 'exposure':
        if (this.exposed.size < TELEMETRY_MAX_EXPERIMENTS) this.exposed.set(e.experiment, e.variant);
        return;
      default:
        return;
    }
  }

  private settle(opId: string, outcome: TelemetryOp['outcome'], at: number, exhausted: boolean, lastTimedOut: boolean): void {
    const op = this.open.get(opId);
    if (!op) return;
    this.open.delete(opId);
    this.push({
      kind: op.kind,
      outcome,
      attempts: Math.min(op.attempts, 100),
      retries: Math.min(op.retries, 100),
      timeouts: Math.min(op.timeouts + (lastTimedOut ? 1 : 0), 100),
      exhausted,
      latencyMs: outcome === 'acknowledged' ? Math.min(Math.max(0, Math.round(at - op.start)), 3_600_000) : null,
    });
  }

  private push(op: TelemetryOp): void {
    this.ops.push(op);
    if (this.ops.length >= TELEMETRY_MAX_OPS) void this.flush(false);
    else this.schedule();
  }

  recordVital(name: WebVitalName, value: number): void {
    if (this.stopped || !Number.isFinite(value) || value < 0) return;
    if (this.vitals.length < TELEMETRY_MAX_VITALS) this.vitals.push({ name, value: Math.min(value, 3_600_000) });
    this.schedule();
  }

  /** An uncaught error: only its class name is kept (`TypeError`), never its message. */
  recordError(err: unknown): void {
    if (this.stopped) return;
    const name = err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err) ? String((err as { name: unknown }).name) : '';
    const errorClass = ERROR_CLASS_PATTERN.test(name) ? name : 'Error';
    if (this.errors.has(errorClass) || this.errors.size < TELEMETRY_MAX_ERRORS) {
      this.errors.set(errorClass, Math.min((this.errors.get(errorClass) ?? 0) + 1, 1000));
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush(false);
    }, this.intervalMs);
  }

  /** The batch so far, or null when there is nothing to send. */
  take(): TelemetryBatch | null {
    if (this.ops.length === 0 && this.vitals.length === 0 && this.errors.size === 0) return null;
    const batch: TelemetryBatch = {
      ops: this.ops.slice(0, TELEMETRY_MAX_OPS),
      vitals: this.vitals,
      errors: [...this.errors].map(([errorClass, count]) => ({ errorClass, count })),
    };
    if (this.exposed.size > 0) batch.experiments = [...this.exposed].map(([experiment, variant]) => ({ experiment, variant }));
    const heap = this.opts.heapBytes?.();
    if (heap !== undefined && Number.isInteger(heap) && heap >= 0) batch.heapBytes = heap;
    this.ops = this.ops.slice(TELEMETRY_MAX_OPS);
    this.vitals = [];
    this.errors = new Map();
    return batch;
  }

  /** Sends what is pending now (the page calls it with `final` when hidden). */
  async flush(final: boolean): Promise<void> {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.stopped) return;
    const batch = this.take();
    if (!batch) return;
    if (this.ops.length > 0) this.schedule();
    try {
      if ((await this.opts.send(batch, final)) === false) this.stop();
    } catch {
      // A failed send is lost on purpose: telemetry never retries and never breaks the page.
    }
  }

  /** Stops collecting for good (not sampled, or the page goes away). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.open.clear();
    this.ops = [];
    this.vitals = [];
    this.errors.clear();
  }
}

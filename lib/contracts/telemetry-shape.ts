// The telemetry batch as the browser builds it, in a module without zod (see metric-names.ts):
// lib/metrics-client/telemetry.ts imports this; the server validates with lib/contracts/telemetry.ts.

import type { ExposedVariant } from './experiments-shape';

export const TELEMETRY_PATH = '/api/telemetry';
export const TELEMETRY_OP_KINDS = ['vote', 'view', 'share', 'comment'] as const;
export type TelemetryOpKind = (typeof TELEMETRY_OP_KINDS)[number];
/** acknowledged: the server confirmed it; rolled_back: it finally failed and its optimistic effect was undone; dropped: never needed sending (merged away, or the page closed first). */
export const TELEMETRY_OUTCOMES = ['acknowledged', 'rolled_back', 'dropped'] as const;
export type TelemetryOutcome = (typeof TELEMETRY_OUTCOMES)[number];
export const WEB_VITAL_NAMES = ['LCP', 'INP', 'CLS', 'TTFB', 'FCP'] as const;
export type WebVitalName = (typeof WEB_VITAL_NAMES)[number];

/** Per batch: at most this many operations, vitals and error classes (the body is capped at 16 KiB too). */
export const TELEMETRY_MAX_OPS = 100;
export const TELEMETRY_MAX_VITALS = 20;
export const TELEMETRY_MAX_ERRORS = 20;
/** A short error class such as `TypeError`; never the message (it may carry user content). */
export const ERROR_CLASS_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
/** The browser sends at most every this many ms, and when the page is hidden. */
export const TELEMETRY_INTERVAL_MS = 10_000;
/** Reply header: 0 means this session is not sampled (TELEMETRY_SAMPLE); the page stops sending. */
export const TELEMETRY_SAMPLED_HEADER = 'x-telemetry-sampled';

export interface TelemetryOp {
  kind: TelemetryOpKind;
  outcome: TelemetryOutcome;
  /** Requests sent for it (0 when it never left). */
  attempts: number;
  /** Retries scheduled (attempts after a retryable failure). */
  retries: number;
  /** Attempts that ended in the transport's timeout. */
  timeouts: number;
  /** Rolled back because every allowed retry failed (as opposed to a final 4xx). */
  exhausted: boolean;
  /** Click (operation created) to acknowledgement; null unless acknowledged. */
  latencyMs: number | null;
}

export interface TelemetryBatch {
  ops: TelemetryOp[];
  /** Web Vitals as the web-vitals library reports them: ms, CLS unitless. */
  vitals: { name: WebVitalName; value: number }[];
  errors: { errorClass: string; count: number }[];
  /** performance.memory.usedJSHeapSize where the browser has it. */
  heapBytes?: number;
  /**
   * The experiments' variants this session was exposed to (experiments-shape.ts): the server adds
   * the batch's operations to their outcomes (docs/EXPERIMENTS.md "Outcomes").
   */
  experiments?: ExposedVariant[];
}

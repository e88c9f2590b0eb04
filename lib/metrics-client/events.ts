import type { MyVote } from '@/lib/contracts/core';
import type { OpKind } from './operations';

/** The engine's event log, for a debug page and client telemetry. Plain data only. */
export type EngineEvent =
  | { type: 'op_queued'; at: number; opId: string; exposeId: string; kind: OpKind }
  | { type: 'op_merged'; at: number; opId: string; exposeId: string; target: MyVote }
  | { type: 'op_dropped'; at: number; opId: string; exposeId: string; reason: 'no_change' | 'merged' }
  | { type: 'waiting_online'; at: number; path: string; opId?: string }
  | { type: 'request_sent'; at: number; method: string; path: string; attempt: number; opId?: string }
  | { type: 'retry_scheduled'; at: number; path: string; attempt: number; delayMs: number; code: string; opId?: string }
  | { type: 'challenge_solved'; at: number; path: string; ms: number; ok: boolean; opId?: string }
  | { type: 'ack'; at: number; opId: string; exposeId: string; kind: OpKind; version: number }
  | { type: 'failure'; at: number; opId: string; exposeId: string; kind: OpKind; code: string; message: string }
  | { type: 'refresh'; at: number; ids: string[]; ok: boolean; code?: string }
  | { type: 'snapshot'; at: number; exposeId: string; version: number; source: 'register' | 'refresh' | 'live' }
  /** A write of the person waits for the network (offline, or it failed as a network error). */
  | { type: 'queued_offline'; at: number; opId: string; exposeId: string; kind: OpKind }
  /** The offline queue is empty again after it had waited for the network. */
  | { type: 'synced'; at: number }
  /** A queued write older than 24 h was dropped (the server no longer knows its key). */
  | { type: 'dropped_expired'; at: number; opId: string; exposeId: string; kind: OpKind }
  /** The server recorded that this session was exposed to its variant of an experiment. */
  | { type: 'exposure'; at: number; experiment: string; variant: string };

export type Listener<E> = (event: E) => void;

export interface Emitter<E> {
  emit(event: E): void;
  subscribe(listener: Listener<E>): () => void;
  clear(): void;
}

export function createEmitter<E>(): Emitter<E> {
  const listeners = new Set<Listener<E>>();
  return {
    emit(event) {
      for (const l of [...listeners]) {
        // A faulty debug listener must not break an operation in progress.
        try {
          l(event);
        } catch {
          /* ignored on purpose */
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
}

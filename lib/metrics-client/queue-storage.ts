import { createStore, del, entries, set, type UseStore } from 'idb-keyval';
import type { PendingOp } from './operations';

/**
 * Where the person's unsent operations survive a reload or a closed tab. One record per op, keyed
 * by its id (= Idempotency-Key). Only the op itself is stored: no session, no server data.
 */
export interface QueueStorage {
  load(): Promise<PendingOp[]>;
  put(op: PendingOp): Promise<void>;
  remove(opId: string): Promise<void>;
}

/** For hosts without IndexedDB (server rendering, private modes that refuse it): lives as long as the page. */
export function memoryQueueStorage(): QueueStorage {
  const ops = new Map<string, PendingOp>();
  return {
    load: () => Promise.resolve([...ops.values()]),
    put: (op) => {
      ops.set(op.id, op);
      return Promise.resolve();
    },
    remove: (opId) => {
      ops.delete(opId);
      return Promise.resolve();
    },
  };
}

const isOp = (v: unknown): v is PendingOp => {
  const o = v as Partial<PendingOp> | null;
  return (
    typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.exposeId === 'string' &&
    typeof o.createdAt === 'number' && ['vote', 'share', 'comment'].includes(o.kind as string) && typeof o.payload === 'object'
  );
};

/**
 * The IndexedDB queue (idb-keyval): database `expose-corner`, object store `ops`. Opened lazily on
 * first use; `dbName` lets tests (fake-indexeddb) keep their databases apart.
 */
export function indexedDbQueueStorage(dbName = 'expose-corner'): QueueStorage {
  const store: UseStore = createStore(dbName, 'ops');
  return {
    async load() {
      const all = await entries<string, unknown>(store);
      return all.map(([, v]) => v).filter(isOp);
    },
    put: (op) => set(op.id, op, store),
    remove: (opId) => del(opId, store),
  };
}

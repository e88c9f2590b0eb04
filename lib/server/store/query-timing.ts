import { DomainError, UnavailableError } from '@/lib/server/domain/errors';
import type { DbProbe } from '@/lib/server/observability/probes';
import type { Store, WriteQueries } from './port';

/** SQLSTATE class of a driver error (its cause chain), or "connection" when it has none. */
export function sqlStateClass(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.slice(0, 2);
    e = (e as { cause?: unknown }).cause;
  }
  return 'connection';
}

/**
 * A database error: a driver error, or one the adapter turned into a 503 (UnavailableError). A rule
 * thrown inside a transaction (not_found, expired, …) is not; an error already counted by the query
 * that threw it is not counted again by its transaction.
 */
const counted = new WeakSet<object>();
function report(probe: DbProbe, err: unknown): void {
  if (err instanceof DomainError && !(err instanceof UnavailableError)) return;
  if (typeof err === 'object' && err !== null) {
    if (counted.has(err)) return;
    counted.add(err);
  }
  probe.error(sqlStateClass(err));
}

type Fn = (...args: never[]) => Promise<unknown>;
const NOT_QUERIES = new Set(['kind', 'close', 'transaction', 'poolStats', 'observeQueries']);

/**
 * Times every storage-port function under its own name (one statement each: readable, unlike the
 * prepared statements' hash names, and the same on PGlite and PostgreSQL). Wrapping the port keeps
 * the query files untouched and covers functions added later.
 */
function timed<T extends object>(target: T, probe: () => DbProbe | undefined): T {
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function' || NOT_QUERIES.has(name)) continue;
    const fn = value as Fn;
    out[name] = async (...args: never[]) => {
      const p = probe();
      if (!p) return fn(...args);
      const start = performance.now();
      try {
        return await fn(...args);
      } catch (err) {
        report(p, err);
        throw err;
      } finally {
        p.query(name, (performance.now() - start) / 1000);
      }
    };
  }
  return out as T;
}

/**
 * The store with its queries timed, reporting to whichever probe `observeQueries` set last (the
 * container's telemetry; none in store-only tests, where a call costs one extra closure).
 */
export function withQueryTiming(store: Store): Store {
  let current: DbProbe | undefined;
  const probe = () => current;
  const wrapped = timed(store, probe);
  return {
    ...wrapped,
    kind: store.kind,
    // The whole transaction is timed as "transaction"; its statements under their own names.
    transaction: async <T>(work: (tx: WriteQueries) => Promise<T>) => {
      const p = current;
      const start = performance.now();
      try {
        return await store.transaction((tx) => work(p ? timed(tx, probe) : tx));
      } catch (err) {
        if (p) report(p, err);
        throw err;
      } finally {
        p?.query('transaction', (performance.now() - start) / 1000);
      }
    },
    observeQueries(p) {
      current = p;
    },
  };
}

import type { SQL } from 'drizzle-orm';
import { UnavailableError } from '@/lib/server/domain/errors';

/** What the store needs from a driver: run SQL, run a transaction, close. */
export interface SqlExecutor {
  rows<T>(query: SQL): Promise<T[]>;
}

export interface Database extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Connections for ec_db_pool_* (PGlite: one, no pool). */
  poolStats?(): { total: number; idle?: number; waiting?: number };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57014', // statement timeout / query canceled
  '57P01', // admin shutdown
  '57P02',
  '57P03', // cannot connect now
  '53300', // too many connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Whether `err` (or an error it wraps, as drizzle does) carries this SQLSTATE. */
export function hasSqlState(err: unknown, code: string): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    if ((e as { code?: unknown }).code === code) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Driver errors that mean "cannot reach the database" as opposed to a bug in our SQL. */
export function isUnavailableError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e !== 'object') return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /timeout exceeded when trying to connect|Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error/i.test(
        message,
      )
    ) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Wraps driver calls so that reachability failures surface as UnavailableError (503). */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isUnavailableError(err) ? new UnavailableError(err) : err;
  }
}

import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { guard, type Database, type SqlExecutor } from './database';
import { createStatementNamer } from './prepared-statements';
import { MIGRATIONS_DIR } from './migrations-dir';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Connection and statement timeouts, so an unreachable server is a fast 503, never a hang. */
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

// An arbitrary constant: serialises migrations when several instances start at once.
export const MIGRATION_LOCK_ID = 7_301_2026;

export function createPool(opts: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 500,
    // A transaction whose client vanished without closing its socket (a network partition, a
    // frozen process) still holds its row locks, an Idempotency-Key among them: PostgreSQL ends
    // it after this long without a statement. Ours send their statements back to back.
    idle_in_transaction_session_timeout: 2 * opts.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'expose-corner',
    // Prepared statements keep PostgreSQL's default plan cache: after five runs a statement may
    // switch to one generic plan, costed for an average expose. The hot-write statements address
    // votes one primary-key probe per session (sql-helpers.ts sessionVotes, vote-queries.ts), so
    // that plan stays as cheap on a hot expose as the custom one (docs/QUERY-PLANS.md).
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

// Dates, times and intervals (and their arrays) arrive as the server's text, as drizzle's own
// node-postgres driver returns them; the row parsers accept both strings and Dates (toDate).
const RAW_TEXT_TYPES = new Set([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1115, // timestamp[]
  1182, // date[]
  1185, // timestamptz[]
  1187, // interval[]
  1231, // numeric[]
]);
const TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    RAW_TEXT_TYPES.has(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

/**
 * The Database port over a pool, without touching the server (tests use it on dead pools).
 * Every query runs as a named prepared statement (prepared-statements.ts); transactions hold one
 * client from BEGIN to COMMIT/ROLLBACK.
 */
export function postgresDatabase(pool: pg.Pool): Database {
  const prepare = createStatementNamer();
  const executor = (target: pg.Pool | pg.PoolClient): SqlExecutor => ({
    rows: <T>(query: SQL) =>
      guard(async () => (await target.query<pg.QueryResultRow>({ ...prepare(query), types: TYPES })).rows as T[]),
  });
  return {
    kind: 'postgres',
    ...executor(pool),
    transaction: (fn) =>
      guard(async () => {
        const client = await pool.connect();
        // A connection that cannot even roll back is destroyed rather than returned to the pool.
        let broken: Error | undefined;
        // pg-pool listens for errors only on idle clients: a connection lost between two
        // statements of this transaction would otherwise be an uncaught exception (the process
        // dies in a database outage). The next statement reports the loss and we roll back.
        const onError = (e: Error) => {
          broken = e;
        };
        client.on('error', onError);
        try {
          await client.query('begin');
          const result = await fn(executor(client));
          await client.query('commit');
          return result;
        } catch (err) {
          await client.query('rollback').catch((e: unknown) => {
            broken = e instanceof Error ? e : new Error(String(e));
          });
          throw err;
        } finally {
          client.off('error', onError);
          client.release(broken);
        }
      }),
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * Applies the migrations on a connection of its own, without the pool's statement and query
 * timeouts: an instance that starts while another holds the migration lock must wait for it, and
 * an index build may take longer than any request should (the pool keeps both timeouts).
 */
async function migrateWithoutTimeouts(opts: PostgresOptions): Promise<void> {
  const client = new pg.Client({
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    application_name: 'expose-corner-migrate',
    statement_timeout: 0,
  });
  await guard(() => client.connect());
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    // Ending the session releases the advisory lock too.
    await client.end().catch(() => {});
  }
}

export async function openPostgres(opts: PostgresOptions): Promise<Database> {
  await migrateWithoutTimeouts(opts);
  return postgresDatabase(createPool(opts));
}

export { sql };

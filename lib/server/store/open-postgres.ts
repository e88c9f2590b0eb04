import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { guard, type Database, type SqlExecutor } from './database';
import { MIGRATIONS_DIR } from './migrations-dir';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Connection and statement timeouts, so an unreachable server is a fast 503, never a hang. */
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

// An arbitrary constant: serialises migrations when several instances start at once.
const MIGRATION_LOCK_ID = 7_301_2026;

export function createPool(opts: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 500,
    idleTimeoutMillis: 30_000,
    application_name: 'expose-corner',
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

/** The Database port over a pool, without touching the server (tests use it on dead pools). */
export function postgresDatabase(pool: pg.Pool): Database {
  const db = drizzle({ client: pool });
  type Executor = Pick<typeof db, 'execute'>;
  const executor = (target: Executor): SqlExecutor => ({
    rows: <T>(query: SQL) => guard(async () => (await target.execute(query)).rows as T[]),
  });
  return {
    kind: 'postgres',
    ...executor(db),
    transaction: (fn) => guard(() => db.transaction((tx) => fn(executor(tx)))),
    close: () => pool.end(),
  };
}

export async function openPostgres(opts: PostgresOptions): Promise<Database> {
  const pool = createPool(opts);
  const client = await guard(() => pool.connect()).catch(async (err: unknown) => {
    await pool.end().catch(() => {});
    throw err;
  });
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    client.release();
  }
  return postgresDatabase(pool);
}

export { sql };

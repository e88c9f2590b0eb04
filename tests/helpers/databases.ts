import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '@/lib/server/store/database';
import { openPglite } from '@/lib/server/store/open-pglite';
import { openPostgres } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { Store } from '@/lib/server/store/port';

// The driver under each store, for tests that inspect tables directly (dumpTables).
const databases = new WeakMap<Store, Database>();
const track = (db: Database): Store => {
  const store = createStore(db);
  databases.set(store, db);
  return store;
};

/** The Database a test store was opened on. */
export function databaseOf(store: Store): Database {
  const db = databases.get(store);
  if (!db) throw new Error('not a store opened by testDatabases()');
  return db;
}

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty store. */
  open(): Promise<Store>;
  /** Drops what open() created. */
  cleanup(): Promise<void>;
  /** The postgres:// URL of the fresh database (postgres only). */
  url?: string;
}

const pglite = (): TestDatabase => {
  const stores: Store[] = [];
  return {
    name: 'pglite',
    async open() {
      const store = track(await openPglite(null));
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
    },
  };
};

/** A database created for this run on the server at TEST_DATABASE_URL, dropped afterwards. */
const postgres = (adminUrl: string): TestDatabase => {
  const dbName = `ec_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const stores: Store[] = [];
  let created = false;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    url: url.toString(),
    async open() {
      if (!created) {
        await admin((c) => c.query(`create database ${dbName}`));
        created = true;
      }
      const store = track(
        await openPostgres({ url: url.toString(), poolSize: 20, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }),
      );
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
      if (created) await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
    },
  };
};

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function testDatabases(): TestDatabase[] {
  const list = [pglite()];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push(postgres(url));
  return list;
}

import type { Database } from './database';
import { exposeQueries } from './expose-queries';
import type { Store } from './port';

/** The Postgres adapter of the storage port, over either driver. */
export function createStore(db: Database): Store {
  return {
    kind: db.kind,
    ...exposeQueries(db),
    close: () => db.close(),
  };
}

import { analyticsQueries, engagementWriteQueries } from './analytics-queries';
import { auditQueries } from './audit-queries';
import { challengeQueries } from './challenge-queries';
import type { Database, SqlExecutor } from './database';
import { commentReadQueries, commentWriteQueries } from './comment-queries';
import { experimentQueries } from './experiment-queries';
import { exposeQueries } from './expose-queries';
import { idempotencyWriteQueries } from './idempotency-queries';
import { maintenanceQueries } from './maintenance-queries';
import { metricsQueries } from './metrics-queries';
import type { Store, WriteQueries } from './port';
import { withQueryTiming } from './query-timing';
import { saltQueries } from './salt-queries';
import { shareQueries } from './share-queries';
import { viewQueries } from './view-queries';
import { voteQueries } from './vote-queries';
import { voteGrantQueries } from './vote-grant-queries';

/** The single-statement writes, over the database or over one transaction. */
function writeQueries(db: SqlExecutor): WriteQueries {
  return {
    ...viewQueries(db),
    ...shareQueries(db),
    ...commentWriteQueries(db),
    ...voteQueries(db),
    ...voteGrantQueries(db),
    ...idempotencyWriteQueries(db),
    ...challengeQueries(db),
    ...engagementWriteQueries(db),
  };
}

/** The Postgres adapter of the storage port, over either driver. */
export function createStore(db: Database): Store {
  return withQueryTiming({
    kind: db.kind,
    ...exposeQueries(db),
    ...writeQueries(db),
    ...metricsQueries(db),
    ...commentReadQueries(db),
    ...saltQueries(db),
    ...maintenanceQueries(db),
    ...auditQueries(db),
    ...analyticsQueries(db),
    ...experimentQueries(db),
    transaction: (work) => db.transaction((tx) => work(writeQueries(tx))),
    close: () => db.close(),
    poolStats: db.poolStats,
  });
}

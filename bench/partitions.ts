// `npx tsx bench/partitions.ts`: view de-dup rows in one plain table (before issue 16) against day
// partitions (after), on the benchmark's PostgreSQL: BENCH_DEDUP_ROWS rows (default 10 million)
// over four days, half of them expired; then
//   - the hot path alone: view batches (100 new viewers of 50 exposes per statement, the
//     coalesced path's statement) for BENCH_HOT_SECONDS;
//   - expiry: maintenance's deleteExpired (row deletes in chunks, then VACUUM to make the space
//     reusable) against dropping the expired days' partitions;
//   - the hot path again while expiry runs next to it.
// Prints a Markdown table for docs/BENCHMARKS.md. Bounded: two databases, dropped at the end.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { openPostgres } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import type { ExposeViewOp, Store } from '@/lib/server/store/port';
import { createBenchDatabase, serverVersion } from './databases';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_DEDUP_ROWS ?? 10_000_000);
const HOT_SECONDS = Number(process.env.BENCH_HOT_SECONDS ?? 15);
const DAY = 86_400_000;
const EXPOSES = 1000;

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

interface Result {
  layout: string;
  loadSec: number;
  tableMb: number;
  hotAlone: number;
  expirySec: number;
  expiryHow: string;
  hotDuringExpiry: number;
}

/** View batches until `stop()` or `seconds`; returns views/s. Every view is a new viewer (all counted). */
async function hotPath(store: Store, ids: string[], seconds: number, day: string, stopSignal?: Promise<unknown>): Promise<number> {
  const started = performance.now();
  let done = false;
  void stopSignal?.then(() => (done = true));
  let views = 0;
  const now = new Date(`${day}T12:00:00Z`);
  while (!done && performance.now() - started < seconds * 1000) {
    const ops: ExposeViewOp[] = Array.from({ length: 100 }, (_, i) => ({
      exposeId: ids[(views + i) % 50]!,
      sessionId: 's',
      viewerHash: randomBytes(16).toString('base64url'),
      previousHash: randomBytes(16).toString('base64url'),
      day,
    }));
    await Promise.all([
      store.applyViewsAcross(ops.slice(0, 50), { now, until: new Date(now.getTime() + DAY) }),
      store.applyViewsAcross(ops.slice(50), { now, until: new Date(now.getTime() + DAY) }),
    ]);
    views += 100;
  }
  return Math.round(views / ((performance.now() - started) / 1000));
}

async function run(layout: 'plain' | 'partitioned'): Promise<Result> {
  const db = await createBenchDatabase(ADMIN_URL);
  const database = await openPostgres({ url: db.url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 600_000 });
  const store = createStore(database);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    // "Today" is D; the rows are spread over D-3 .. D (a hash's row expires 24 h after its view).
    const today = utcDay(new Date());
    const days = [3, 2, 1, 0].map((n) => utcDay(new Date(Date.parse(`${today}T00:00:00Z`) - n * DAY)));
    if (layout === 'plain') {
      // The layout before issue 16: one table (with the new day column, so the same statements run).
      await client.query(`drop table view_dedup`);
      await client.query(`create table view_dedup (expose_id text not null, viewer_hash text not null, expires_at timestamptz not null, day text not null,
        constraint view_dedup_expose_id_viewer_hash_day_pk primary key (expose_id, viewer_hash, day))`);
      await client.query(`create index view_dedup_expires_idx on view_dedup (expires_at)`);
    } else {
      for (const day of days) await client.query(`create table if not exists view_dedup_p${day.replaceAll('-', '')} partition of view_dedup for values in ('${day}')`);
    }
    await client.query(`insert into exposes (id, title, body) select 'e' || lpad(g::text, 5, '0'), 't', 'b' from generate_series(1, ${EXPOSES}) g`);
    const ids = Array.from({ length: EXPOSES }, (_, i) => `e${String(i + 1).padStart(5, '0')}`);
    const loadStart = performance.now();
    const perDay = Math.round(ROWS / days.length);
    for (const day of days) {
      await client.query(
        `insert into view_dedup (expose_id, viewer_hash, expires_at, day)
         select 'e' || lpad((1 + g % ${EXPOSES})::text, 5, '0'), md5($1 || g), $2::timestamptz + (g % 86400) * interval '1 second', $1
         from generate_series(1, ${perDay}) g`,
        [day, new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString()],
      );
    }
    await client.query('vacuum analyze view_dedup');
    const loadSec = (performance.now() - loadStart) / 1000;
    const size = await client.query<{ mb: string }>(
      `select (sum(pg_total_relation_size(c.oid)) / 1048576)::int as mb from pg_class c
       where c.relname = 'view_dedup' or c.oid in (select inhrelid from pg_inherits where inhparent = 'view_dedup'::regclass)`,
    );
    const hotAlone = await hotPath(store, ids, HOT_SECONDS, today);

    // Expiry at the start of day D: the rows of D-3 and D-2 have all expired (D-2's by D 00:00),
    // D-1's and D's not yet; both layouts remove the same rows.
    const now = new Date(`${today}T00:00:00Z`);
    const expiry = async () => {
      const t0 = performance.now();
      const removed = await store.deleteExpired({ dedupBefore: now, saltsBeforeDay: days[2]!, idempotencyBefore: new Date(now.getTime() - DAY) });
      // Row deletes leave dead tuples: only VACUUM makes their space reusable (autovacuum would do it later).
      if (layout === 'plain') await client.query('vacuum view_dedup');
      return { sec: (performance.now() - t0) / 1000, removed: removed.viewDedup };
    };
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const during = hotPath(store, ids, 600, today, stopped);
    let e: Awaited<ReturnType<typeof expiry>>;
    try {
      e = await expiry();
    } finally {
      stop();
    }
    const hotDuringExpiry = await during;
    const left = await client.query<{ n: string }>(`select count(*) as n from view_dedup where expires_at <= $1`, [now.toISOString()]);
    return {
      layout,
      loadSec: Math.round(loadSec),
      tableMb: Number(size.rows[0]?.mb ?? 0),
      hotAlone,
      expirySec: Math.round(e.sec * 100) / 100,
      expiryHow: `${layout === 'plain' ? 'chunked DELETE + VACUUM' : 'DROP of 2 day partitions'}: ${e.removed.toLocaleString('en')} rows${
        layout === 'plain' ? '' : ' (estimate)'
      }, ${Number(left.rows[0]?.n ?? 0).toLocaleString('en')} expired rows left`,
      hotDuringExpiry,
    };
  } finally {
    await client.end();
    await store.close();
    await db.drop();
  }
}

async function main() {
  const results: Result[] = [];
  for (const layout of (process.env.BENCH_LAYOUTS ?? 'plain,partitioned').split(',') as ('plain' | 'partitioned')[]) {
    const r = await run(layout);
    console.log(JSON.stringify(r));
    results.push(r);
  }
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  console.log(`
Written by \`npx tsx bench/partitions.ts\` on ${new Date().toISOString()}: ${ROWS.toLocaleString('en')} view de-dup rows over 4 days,
${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, PostgreSQL ${await serverVersion(ADMIN_URL)} (local, default settings);
load average at the end ${load} (other sessions share the machine). Hot path: view batches of 2 × 50 new viewers on 50 exposes,
two statements in flight (as two coalesced batches), for ${HOT_SECONDS} s alone and again while expiry runs.

| layout | load + VACUUM ANALYZE s | size MB | hot path alone, views/s | expiry s | expiry | hot path during expiry, views/s |
| --- | ---: | ---: | ---: | ---: | --- | ---: |
${results.map((r) => `| ${r.layout} | ${r.loadSec} | ${r.tableMb} | ${r.hotAlone} | ${r.expirySec} | ${r.expiryHow} | ${r.hotDuringExpiry} |`).join('\n')}
`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

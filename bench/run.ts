// `npm run bench`: load tests against the built server on 127.0.0.1, bounded in time, with exact-count
// checks; writes docs/BENCHMARKS.md. Needs PostgreSQL (BENCH_DATABASE_URL) and Redis (BENCH_REDIS_URL).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createBenchDatabase, serverVersion, type BenchDatabase } from './databases';
import { runFanout, type FanoutResult } from './fanout';
import { runLoad, type LoadResult } from './load';
import { runWrk } from './wrk';
import { startServer, type RunningServer } from './server-process';
import { summariseProfiles } from './profile';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
/** Requests per write scenario on the hot expose (fixed counts, so the final counters must match exactly). */
const WRITES = Number(process.env.BENCH_WRITES ?? 20_000);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** BENCH_PROFILE=1: every server runs with `--cpu-prof`; profiles land in bench/profiles/ with a summary. */
const PROFILE_DIR = process.env.BENCH_PROFILE === '1' ? 'bench/profiles' : null;
const UA = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 bench/${n}`;
const json = { 'content-type': 'application/json' };
/**
 * Every request comes from 127.0.0.1: rate limits off and the per-IP caps out of reach, so the
 * exact-count checks hold. The caps' upserts still run (on one hot ip_expose_counts row per expose,
 * a worse case than many addresses).
 */
const UNLIMITED = { RATE_LIMITS: '0', MAX_STREAMS_PER_IP: '5000', FREE_VOTES_PER_IP: '1000000000', MAX_VOTES_PER_IP: '1000000000', FREE_SHARES_PER_IP: '1000000000', MAX_SHARES_PER_IP: '1000000000', MAX_VIEWS_PER_IP: '1000000000' };
/** BENCH_WRK=0 leaves out the wrk rows (wrk is Debian's \`wrk\` package). */
const WRK = process.env.BENCH_WRK !== '0' && spawnSync('wrk', ['--version']).error === undefined;
// BENCH_PORT: first port of a free range (one per server started), so parallel runs on one machine do not collide.
let port = Number(process.env.BENCH_PORT ?? 3400);

interface Row extends LoadResult {
  setup: string;
  check: string;
}
const rows: Row[] = [];
const fanouts: (FanoutResult & { setup: string })[] = [];

async function createExposes(url: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
        const res = await fetch(`${url}/api/exposes`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ title: `Bench expose ${i + j}`, body: 'A benchmark expose with a short body.' }),
        });
        if (res.status !== 201) throw new Error(`create expose: ${res.status}`);
        return ((await res.json()) as { exposeId: string }).exposeId;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

async function counter(db: BenchDatabase | null, url: string, column: 'views' | 'upvotes', ids: string[]): Promise<number> {
  if (db) {
    const r = await db.query<{ n: string }>(`select coalesce(sum(${column}), 0) as n from exposes where id = any($1)`, [ids]);
    return Number(r[0]?.n ?? 0);
  }
  let total = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const res = await fetch(`${url}/api/expose/metrics?ids=${ids.slice(i, i + 100).join(',')}`);
    const body = (await res.json()) as { items: { metrics: Record<string, number> }[] };
    total += body.items.reduce((s, it) => s + (it.metrics[column] ?? 0), 0);
  }
  return total;
}

/** Views from distinct viewers (user agents) and votes from distinct sessions (no cookie), with a count check. */
async function writeLoads(setup: string, server: RunningServer, db: BenchDatabase | null, targets: string[], label: string, amount: number) {
  for (const kind of ['views', 'votes'] as const) {
    const column = kind === 'views' ? 'views' : 'upvotes';
    const before = await counter(db, server.url, column, targets);
    const r = await runLoad({
      name: `${label}: ${kind === 'views' ? 'views, distinct viewers' : 'upvotes, distinct sessions'}`,
      url: server.url,
      connections: 64,
      amount,
      serverPid: server.pid,
      method: 'POST',
      path: kind === 'views' ? '/api/expose/views' : '/api/expose/vote',
      headers: (n) => ({ 'user-agent': UA(n) }),
      body: (n) => (kind === 'views' ? { exposeId: targets[n % targets.length] } : { exposeId: targets[n % targets.length], voteType: 'upvote' }),
    });
    const after = await counter(db, server.url, column, targets);
    const counted = after - before;
    rows.push({ ...r, setup, check: counted === r.ok ? `exact (${counted})` : `MISMATCH: ${counted} counted, ${r.ok} acknowledged` });
    log(rows[rows.length - 1]!);
    if (!WRK) continue;
    // The same scenario from wrk: fresh viewers (user agents tagged wrk/n) and fresh sessions again.
    const beforeWrk = after;
    const w = await runWrk({
      name: `${r.name} (wrk)`,
      url: server.url,
      connections: 64,
      amount,
      path: kind === 'views' ? '/api/expose/views' : '/api/expose/vote',
      targets,
      extra: kind === 'views' ? {} : { voteType: 'upvote' },
      serverPid: server.pid,
    });
    const countedWrk = (await counter(db, server.url, column, targets)) - beforeWrk;
    rows.push({ ...w, setup, check: countedWrk === w.ok ? `exact (${countedWrk})` : `MISMATCH: ${countedWrk} counted, ${w.ok} acknowledged` });
    log(rows[rows.length - 1]!);
  }
}

const cpuText = (r: LoadResult) => (r.cpu ? `${r.cpu.server} / ${r.cpu.postgres} / ${r.cpu.redis} / ${r.cpu.loadgen}` : '-');

function log(r: Row) {
  console.log(`${r.setup} | ${r.name}: ${r.reqPerSec} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ok ${r.ok}, non-2xx ${r.non2xx}, errors ${r.errors}; CPU µs/req ${cpuText(r)}; ${r.check}`);
}

/**
 * Unmeasured warm-up of a fresh server (JIT, pools, first batches): 2 s of health checks, then
 * views and votes on an expose of its own, which no measured scenario counts.
 */
async function warmUp(server: RunningServer): Promise<void> {
  const [expose] = await createExposes(server.url, 1);
  await runLoad({ name: 'warm-up', url: server.url, connections: 64, durationSec: 2, path: '/api/health' });
  for (const path of ['/api/expose/views', '/api/expose/vote']) {
    const r = await runLoad({
      name: 'warm-up',
      url: server.url,
      connections: 64,
      amount: 2000,
      method: 'POST',
      path,
      headers: (n) => ({ 'user-agent': UA(n) }),
      body: () => (path.endsWith('/vote') ? { exposeId: expose, voteType: 'upvote' } : { exposeId: expose }),
    });
    if (r.ok !== 2000) throw new Error(`warm-up ${path}: ${r.ok}/2000 answered 2xx`);
  }
}

async function withServer<T>(env: Record<string, string>, fn: (s: RunningServer) => Promise<T>): Promise<T> {
  const server = await startServer(port++, env, PROFILE_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] } : {});
  try {
    await warmUp(server);
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function postgresSuite(setup: string, extraEnv: Record<string, string>, opts: { full: boolean; writes: number }) {
  const db = await createBenchDatabase(ADMIN_URL);
  try {
    const env = { DATABASE_URL: db.url, SESSION_SECRET: SECRET, ...UNLIMITED, ...extraEnv };
    await withServer(env, async (server) => {
      const [hot] = await createExposes(server.url, 1);
      const health = await runLoad({ name: 'GET /api/health', url: server.url, connections: 64, durationSec: DURATION, path: '/api/health', serverPid: server.pid });
      rows.push({ ...health, setup, check: '-' });
      log(rows[rows.length - 1]!);
      await writeLoads(setup, server, db, [hot!], 'hot expose', opts.writes);
      if (!opts.full) return;
      const spread = await createExposes(server.url, 1000);
      await writeLoads(setup, server, db, spread, '1,000 exposes', Math.round(opts.writes / 2));
      const feed = await runLoad({ name: 'GET / (feed page, 50 exposes)', url: server.url, connections: 16, durationSec: DURATION, path: '/', serverPid: server.pid });
      rows.push({ ...feed, setup, check: '-' });
      log(rows[rows.length - 1]!);
    });
  } finally {
    await db.drop();
  }
}

/** The machine's ceiling for the same load: a bare node:http server answering `{"ok":true}`, nothing else. */
async function ceilingSuite() {
  const code = `require('node:http').createServer((q, r) => { r.setHeader('content-type', 'application/json'); r.end('{"ok":true}'); }).listen(Number(process.env.PORT), '127.0.0.1');`;
  const server = await startServer(port++, {}, { entry: ['-e', code] });
  try {
    const r = await runLoad({ name: 'bare node:http hello (machine ceiling)', url: server.url, connections: 64, durationSec: DURATION, path: '/', serverPid: server.pid });
    rows.push({ ...r, setup: 'no app', check: '-' });
    log(rows[rows.length - 1]!);
  } finally {
    await server.stop();
  }
}

async function fanoutSuite(setup: string, env: Record<string, string>, crossInstance: boolean) {
  const db = env.DATABASE_URL === 'fresh' ? await createBenchDatabase(ADMIN_URL) : null;
  const serverEnv = { ...env, ...(db ? { DATABASE_URL: db.url } : {}), ...UNLIMITED, SESSION_SECRET: SECRET };
  try {
    await withServer(serverEnv, async (a) => {
      const run = async (b: RunningServer) => {
        const [hot] = await createExposes(a.url, 1);
        const r = await runFanout({ name: crossInstance ? 'votes on instance A -> streams on instance B' : 'votes -> streams, one instance', streamUrl: b.url, writeUrl: a.url, exposeId: hot!, subscribers: 1000, writes: 100, ratePerSec: 10 });
        fanouts.push({ ...r, setup });
        console.log(`${setup} | fan-out ${r.name}: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, deliveries ${r.deliveries}/${r.expected}`);
      };
      if (crossInstance) await withServer(serverEnv, run);
      else await run(a);
    });
  } finally {
    await db?.drop();
  }
}

function report(started: Date, pgVersion: string) {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const redisVersion = (() => {
    try {
      return execSync('redis-server --version', { encoding: 'utf8' }).match(/v=([\d.]+)/)?.[1] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  const table = [
    '| setup | scenario | conns | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors | CPU µs/req: server / PG / Redis / load gen | final counts vs acknowledged |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.setup} | ${r.name} | ${r.connections} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.ok} | ${r.non2xx} | ${r.errors} | ${cpuText(r)} | ${r.check} |`),
  ];
  const fan = [
    '| setup | path | subscribers | writes | deliveries | p50 ms | p99 ms | max ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...fanouts.map((f) => `| ${f.setup} | ${f.name} | ${f.subscribers} | ${f.writes} | ${f.deliveries}/${f.expected} | ${f.p50} | ${f.p99} | ${f.max} |`),
  ];
  const text = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${started.toISOString()}.

Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()};
Node ${process.version}; PostgreSQL ${pgVersion} (local, default settings, durable commits); Redis ${redisVersion}.
Conditions: the built server (\`node dist/server.mjs\`, NODE_ENV=production, LOG_LEVEL=warn, RATE_LIMITS=0)
and the load generator (autocannon, same machine, 127.0.0.1) share the 2 cores; read-only scenarios run ${DURATION} s,
write scenarios send a fixed number of requests (so the final counters must equal the 2xx replies exactly). Each
write scenario runs twice: from autocannon, then (rows marked "(wrk)") the same number of requests from wrk
(Debian's C load generator, 2 threads, 64 connections; bench/wrk.ts: each thread sends its share of writes,
then health checks until every write of it is answered, so the counts are exact too). Each
server first gets an unmeasured warm-up (2 s of health checks, 2,000 views and 2,000 votes on an expose of its own).
req/s = answered requests / time to the last response. Views come from distinct viewers (a distinct user agent per
request), votes from distinct sessions (no cookie: a new session per request, so every reply also sets a cookie).
"final counts vs acknowledged" compares the counter in the database after the run with the number of 2xx replies.
"CPU µs/req" is the CPU time (user + system, from /proc) that the server (with its cluster workers), PostgreSQL,
Redis and the load generator each spent during the run, divided by the requests answered.

Setups: **coalesced** = the default hot-write path (votes that arrive together share one transaction
and views one statement, whatever their exposes); **naive** = \`WRITE_PATH=direct\`, one transaction with its own counter UPDATE per request;
**WEB_CONCURRENCY=N** = N worker processes (node:cluster) with Redis.

## Throughput and latency

${table.join('\n')}

## Live fan-out (SSE)

1,000 subscribers on one expose; 100 votes from fresh sessions at 10/s; latency from the moment a
write's reply reached the client to the moment each subscriber received an event with that version
or newer (changes are coalesced to at most one event per 100 ms per expose).

${fan.join('\n')}
`;
  // A subset (BENCH_ONLY) or a profiled run must not replace the full table of record.
  const partial = Boolean(process.env.BENCH_ONLY) || PROFILE_DIR !== null;
  const out = partial ? 'bench/last-run.md' : 'docs/BENCHMARKS.md';
  const notes = !partial && existsSync('docs/BENCHMARKS.notes.md') ? '\n' + readFileSync('docs/BENCHMARKS.notes.md', 'utf8') : '';
  writeFileSync(out, text + notes);
  console.log(`\nwrote ${out}`);
}

async function main() {
  const started = new Date();
  if (!existsSync('dist/server.mjs') || !existsSync('.next/BUILD_ID')) {
    const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  const pgVersion = await serverVersion(ADMIN_URL);
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);

  if (want('ceiling')) await ceilingSuite();
  if (want('pg')) await postgresSuite('PostgreSQL, coalesced', {}, { full: true, writes: WRITES });
  if (want('naive')) await postgresSuite('PostgreSQL, naive', { WRITE_PATH: 'direct' }, { full: false, writes: Math.round(WRITES / 4) });
  if (want('cluster')) {
    await postgresSuite('PostgreSQL + Redis, WEB_CONCURRENCY=1', { REDIS_URL }, { full: false, writes: WRITES });
    await postgresSuite('PostgreSQL + Redis, WEB_CONCURRENCY=2', { REDIS_URL, WEB_CONCURRENCY: '2' }, { full: false, writes: WRITES });
  }
  if (want('embedded')) {
    await withServer(UNLIMITED, async (server) => {
      const [hot] = await createExposes(server.url, 1);
      await writeLoads('embedded PGlite, coalesced', server, null, [hot!], 'hot expose', Math.round(WRITES / 2));
    });
  }
  if (want('fanout')) {
    await fanoutSuite('embedded PGlite, in-process bus', {}, false);
    await fanoutSuite('PostgreSQL + Redis, two instances', { DATABASE_URL: 'fresh', REDIS_URL }, true);
  }
  report(started, pgVersion);
  if (PROFILE_DIR) summariseProfiles(PROFILE_DIR);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

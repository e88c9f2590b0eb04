import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases, type TestDatabase } from '../helpers/databases';
import { sample } from '../helpers/prometheus';
import { freePort, rawRequest, waitFor } from '../helpers/raw-http';

const DB_URL = process.env.TEST_DATABASE_URL;
const REDIS_URL = process.env.TEST_REDIS_URL;
const VOTES = 24;

// WEB_CONCURRENCY > 1 needs PostgreSQL and Redis; CI sets both.
describe.skipIf(!DB_URL || !REDIS_URL)('GET /api/metrics with WEB_CONCURRENCY=2', () => {
  let database: TestDatabase;
  let server: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    database = testDatabases().find((d) => d.name === 'postgres')!;
    const store = await database.open(); // creates and migrates the database
    await store.close();
    port = await freePort();
    server = spawn(process.execPath, ['--import', 'tsx', 'tests/ops/fixtures/cluster-api-server.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        WEB_CONCURRENCY: '2',
        DATABASE_URL: database.url,
        REDIS_URL,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMITS: '0',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('both workers listening', async () => (output.includes('ALL_WORKERS_READY') ? true : undefined), 45_000);
  }, 60_000);

  afterAll(async () => {
    if (server?.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await database?.cleanup();
  });

  it('answers one scrape with the series of all workers together', async () => {
    const created = await rawRequest(port, 'POST', '/api/exposes', { body: { title: 'Cluster', body: 'metrics' } });
    expect(created.status).toBe(201);
    const exposeId = (JSON.parse(created.body) as { exposeId: string }).exposeId;

    // Fresh sessions on fresh connections: node:cluster spreads them over both workers.
    const workers = new Set<string>();
    for (let i = 0; i < VOTES; i++) {
      const res = await rawRequest(port, 'POST', '/api/expose/vote', { body: { exposeId, voteType: 'upvote' } });
      expect(res.status).toBe(200);
      workers.add(String(res.headers['x-worker']));
    }
    expect(workers.size).toBe(2);

    // Whichever worker takes the scrape, it reports every worker's votes.
    for (let i = 0; i < 4; i++) {
      const scrape = await rawRequest(port, 'GET', '/api/metrics');
      expect(scrape.status).toBe(200);
      expect(sample(scrape.body, 'ec_writes_total', { kind: 'vote', outcome: 'applied' })).toBe(VOTES);
      expect(sample(scrape.body, 'ec_writes_total', { kind: 'expose', outcome: 'applied' })).toBe(1);
      expect(sample(scrape.body, 'ec_http_request_duration_seconds_count', { route: '/api/expose/vote', status: '200' })).toBe(VOTES);
    }
  });
});

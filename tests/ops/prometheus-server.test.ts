import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases, type TestDatabase } from '../helpers/databases';
import { hasPrometheus, PROMETHEUS } from '../helpers/prometheus';
import { freePort, rawRequest, waitFor } from '../helpers/raw-http';

const DB_URL = process.env.TEST_DATABASE_URL;
const TOKEN = 'prometheus-test-admin-token-0123456789';
const UA = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 prom/${n}`;
const VOTES = 7;
const VIEWS = 5;

if (!hasPrometheus) console.warn(`skipping the real Prometheus test: ${PROMETHEUS} is missing (apt-get install -y prometheus)`);

/**
 * A real Prometheus server scrapes the real listening app (PostgreSQL, ADMIN_TOKEN as a bearer
 * credential) every second; the test sends known traffic and reads the totals back through
 * Prometheus's HTTP query API.
 */
describe.skipIf(!DB_URL || !hasPrometheus)('scraped by a real Prometheus', () => {
  let database: TestDatabase;
  let t: TestApp;
  let appPort: number;
  let promPort: number;
  let prometheus: ChildProcess;
  let dir: string;
  let log = '';

  const query = async (promql: string): Promise<number | undefined> => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const value = body.data?.result?.[0]?.value[1];
    return value === undefined ? undefined : Number(value);
  };
  /** Polls until Prometheus has scraped a sample with the expected value (bounded). */
  const eventually = (promql: string, expected: number) =>
    waitFor(`${promql} == ${expected}`, async () => ((await query(promql)) === expected ? expected : undefined), 30_000);

  beforeAll(async () => {
    database = testDatabases().find((d) => d.name === 'postgres')!;
    t = await createTestApp(await database.open(), { env: { ADMIN_TOKEN: TOKEN, RATE_LIMITS: '0' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    appPort = (t.app.server.address() as AddressInfo).port;

    dir = mkdtempSync(path.join(os.tmpdir(), 'ec-prometheus-'));
    writeFileSync(path.join(dir, 'token'), TOKEN);
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: expose-corner',
        '    metrics_path: /api/metrics',
        '    authorization:',
        `      credentials_file: ${path.join(dir, 'token')}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${appPort}']`,
        '',
      ].join('\n'),
    );
    promPort = await freePort();
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await waitFor('Prometheus ready', async () =>
      (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).status === 200 ? true : undefined,
    );
    // The target is up: the bearer token got through the admin check.
    await eventually('up{job="expose-corner"}', 1);
  }, 60_000);

  afterAll(async () => {
    if (prometheus?.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    await database?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the writes that were sent back through the query API', async () => {
    const created = await rawRequest(appPort, 'POST', '/api/exposes', { body: { title: 'Scraped', body: 'by Prometheus' } });
    expect(created.status).toBe(201);
    const exposeId = (JSON.parse(created.body) as { exposeId: string }).exposeId;
    for (let i = 0; i < VOTES; i++) {
      expect((await rawRequest(appPort, 'POST', '/api/expose/vote', { body: { exposeId, voteType: 'upvote' } })).status).toBe(200);
    }
    for (let i = 0; i < VIEWS; i++) {
      const res = await rawRequest(appPort, 'POST', '/api/expose/views', { body: { exposeId }, headers: { 'user-agent': UA(i) } });
      expect(res.status).toBe(200);
    }
    const missing = await rawRequest(appPort, 'POST', '/api/expose/vote', { body: { exposeId: 'nope', voteType: 'upvote' } });
    expect(missing.status).toBe(404);

    await eventually('sum(ec_writes_total{outcome="applied"})', 1 + VOTES + VIEWS);
    expect(await query('sum(ec_writes_total{kind="vote",outcome="applied"})')).toBe(VOTES);
    expect(await query('sum(ec_writes_total{kind="vote",outcome="not_found"})')).toBe(1);
    expect(await query('sum(ec_http_request_duration_seconds_count{route="/api/expose/views",method="POST",status="200"})')).toBe(VIEWS);
    expect(await query('ec_db_pool_connections{job="expose-corner"}')).toBeGreaterThanOrEqual(1);
    expect(log).not.toMatch(/level=error/);
  });
});

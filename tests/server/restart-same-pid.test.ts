import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process';

/** A PID namespace gives the server PID 1 on every boot, as in a container (needs root). */
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

function call(port: number, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe.skipIf(!canUnshare)('kill -9 and restart with the same PID (embedded database)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ec-crash-'));
  const servers: ServerProcess[] = [];
  afterAll(() => {
    for (const s of servers) s.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // `--kill-child`: SIGKILL to unshare reaches the server as SIGKILL too (no handler runs, no lock is removed).
  const boot = async () => {
    const server = await startServer(
      'unshare',
      ['--pid', '--mount-proc', '--kill-child', process.execPath, '--import', 'tsx', 'tests/helpers/api-server.ts'],
      { PORT: '0', DATA_DIR: dataDir, SEED_DEMO: '0', RATE_LIMITS: '0' },
    );
    servers.push(server);
    return server;
  };

  it('starts again after a kill -9 and still has every acknowledged write', async () => {
    const first = await boot();
    const created = await call(first.port, 'POST', '/api/exposes', { title: 'crash', body: 'crash' });
    expect(created.status).toBe(201);
    const exposeId = created.json.exposeId as string;
    const votes = await Promise.all(
      Array.from({ length: 20 }, () => call(first.port, 'POST', '/api/expose/vote', { exposeId, voteType: 'upvote' })),
    );
    expect(votes.every((v) => v.status === 200)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    // The dead server's lock is still there, naming PID 1: the PID the next boot gets too.
    const holder = JSON.parse(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as number | { pid: number };
    expect(typeof holder === 'number' ? holder : holder.pid).toBe(1);

    const second = await boot();
    const read = await call(second.port, 'GET', `/api/exposes/${exposeId}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ exposeId, metrics: { upvotes: 20 } });
  }, 90_000);
});

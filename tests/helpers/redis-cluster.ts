import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LocalRedisCluster {
  /** `host:port` of every master, for REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** Runs redis-cli against one node and returns its output. */
  cli(port: number, ...args: string[]): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real Redis Cluster of `ports.length` masters (no replicas) on loopback: one redis-server per port
 * in cluster mode, joined by `redis-cli --cluster create`. Each node is a child process of this one
 * (no daemonize) in a fresh folder, so stop() ends exactly the processes started here.
 */
export async function startRedisCluster(ports: readonly number[]): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-redis-cluster-'));
  const children: ChildProcess[] = [];
  const cli = (port: number, ...args: string[]) => {
    const out = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 30_000 });
    if (out.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${out.stderr || out.stdout}`);
    return out.stdout;
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const nodeDir = path.join(dir, String(port));
      spawnSync('mkdir', ['-p', nodeDir]);
      const child = spawn(
        'redis-server',
        [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '5000',
          '--dir', nodeDir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        try {
          if (cli(port, 'ping').trim() === 'PONG') break;
        } catch (err) {
          if (i > 100) throw err;
        }
        await sleep(100);
      }
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    cli(ports[0]!, '--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes');
    for (const port of ports) {
      for (let i = 0; !cli(port, 'cluster', 'info').includes('cluster_state:ok'); i++) {
        if (i > 200) throw new Error(`cluster node ${port} never became ok`);
        await sleep(100);
      }
    }
    return { nodes, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

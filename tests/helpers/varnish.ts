import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RunningVarnish {
  url: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Debian's varnishd in the foreground on 127.0.0.1:`port`, running deploy/varnish/default.vcl with
 * its backend pointed at 127.0.0.1:`backendPort`, in a fresh working folder. stop() ends the
 * process started here (by its PID) and removes the folder.
 */
export async function startVarnish(port: number, backendPort: number): Promise<RunningVarnish> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-varnish-'));
  chmodSync(dir, 0o755);
  const vcl = readFileSync(path.join(process.cwd(), 'deploy/varnish/default.vcl'), 'utf8').replace('.port = "3000";', `.port = "${backendPort}";`);
  const vclPath = path.join(dir, 'default.vcl');
  writeFileSync(vclPath, vcl);
  chmodSync(vclPath, 0o644);
  const child: ChildProcess = spawn(
    'varnishd',
    ['-F', '-n', path.join(dir, 'work'), '-a', `127.0.0.1:${port}`, '-T', 'none', '-f', vclPath, '-s', 'malloc,32m', '-p', 'default_grace=0s'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; !(await accepts(port)); i++) {
    if (child.exitCode !== null || i > 150) {
      await stop();
      throw new Error(`varnishd did not start: ${stderr}`);
    }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

import { spawn } from 'node:child_process';
import { freePort } from '../../tests/helpers/raw-http';

/**
 * A second built server on its own empty database, for tests that need a known feed (no demo
 * content, no other test's exposes) and more writes than the shared server's rate limits allow.
 * Started with `node` so the PID held here is the server's; stopped by that PID.
 */
export async function startOwnServer(env: Record<string, string> = {}, opts: { port?: number } = {}) {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['e2e/serve.mjs'], {
    env: { ...process.env, PORT: String(port), SEED_DEMO: '0', RATE_LIMITS: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseURL = `http://127.0.0.1:${port}`;
  // As long as the shared server may take (playwright.config.ts): a busy machine took over 60 s.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`${baseURL}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      // Not left running behind the failed test (it may still come up later).
      child.kill('SIGTERM');
      throw new Error('own e2e server did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseURL,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/support/chromium';
import { E2E_SESSION_SECRET, serverLogPath } from './e2e/support/server-log';

const PORT = Number(process.env.E2E_PORT ?? 3123);
const SERVER_LOG = serverLogPath(PORT);

/**
 * Browser tests against the built app (`npm run build` first) in Debian's Chromium. The server runs
 * on its own fresh data folder, started with `node` so the PID Playwright holds is the server's.
 */
export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  // One retry under CI only: a flake seen once after the session-4 merges (metrics.spec.ts "when every
  // vote request fails": the alert did not come within 20 s) did not come back in 12 repeats and a full
  // run on a loaded machine; a failed test now prints its page's API requests (e2e/support/fixtures.ts)
  // so a next occurrence names what never settled. A test that fails twice still fails the run, and the
  // report lists a retried one as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  // The browser specs, then a check of the log the server wrote during all of them.
  projects: [
    { name: 'browser', testMatch: /\.spec\.ts$/ },
    { name: 'server-log', testMatch: /server-log\.check\.ts$/, dependencies: ['browser'] },
  ],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    // `exec` keeps the PID Playwright holds the server's; the log (stdout) goes to a file.
    command: `exec node e2e/serve.mjs > '${SERVER_LOG}'`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    env: { PORT: String(PORT), LOG_LEVEL: 'info', SESSION_SECRET: E2E_SESSION_SECRET },
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});

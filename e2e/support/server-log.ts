import os from 'node:os';
import path from 'node:path';

/** Where the e2e server writes its log (pino JSON at info), read by server-log.check.ts after the run. */
export const serverLogPath = (port: number): string =>
  process.env.E2E_SERVER_LOG ?? path.join(os.tmpdir(), `ec-e2e-server-${port}.log`);

/** A known SESSION_SECRET for the e2e server, so the log check can look for it. Test-only. */
export const E2E_SESSION_SECRET = 'e2e-only-session-secret-never-in-a-log-4f9c2a7d31';

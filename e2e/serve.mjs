// Starts the built server for the browser tests on a fresh, throw-away data folder.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

if (!process.env.DATABASE_URL) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-e2e-'));
  process.env.DATA_DIR = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
process.env.NODE_ENV = 'production';
process.env.NEXT_TELEMETRY_DISABLED = '1';
process.env.HOST = '127.0.0.1';
process.env.LOG_LEVEL ??= 'info';
// e2e/admin-login.spec.ts logs in with it (e2e/support/admin.ts has the same literal).
process.env.ADMIN_TOKEN ??= 'e2e-admin-token-0123456789abcdef';
await import('../dist/server.mjs');

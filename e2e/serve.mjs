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
await import('../dist/server.mjs');

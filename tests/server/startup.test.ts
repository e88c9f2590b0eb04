import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { createContainer, type Container } from '@/lib/server/container';
import { DEMO_EXPOSES } from '@/lib/server/domain/demo-content';
import { openPglite } from '@/lib/server/store/open-pglite';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ec-start-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('configuration', () => {
  it('refuses DATABASE_URL without SESSION_SECRET, with a clear message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(/SESSION_SECRET is required/);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x', SESSION_SECRET: 's'.repeat(32) }).databaseUrl).toBe(
      'postgres://localhost/x',
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['SESSION_SECRET', 'short'],
    ['SEED_DEMO', 'yes'],
  ])('rejects %s=%s', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(key));
  });

  it('has working defaults', () => {
    expect(loadConfig({})).toMatchObject({ port: 3000, dataDir: './data', seedDemo: true, trustProxy: false });
  });

  it('runs in production mode without NODE_ENV (the built server), development only when asked', () => {
    expect(loadConfig({}).dev).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).dev).toBe(true);
    // `npm run dev` is the one place that asks for development mode.
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dev).toMatch(/^NODE_ENV=development /);
  });

  it('gives a shutdown 10 s before forcing the exit, configurable', () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });
});

describe('embedded database start-up', () => {
  let container: Container | undefined;
  afterEach(async () => {
    await container?.close();
    container = undefined;
  });

  it('creates DATA_DIR, seeds demo content once, keeps a session secret, and persists', async () => {
    const dataDir = path.join(tmp(), 'nested', 'data');
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    container = await createContainer(config);
    expect(await container.store.countExposes()).toBe(DEMO_EXPOSES.length);
    const secret = readFileSync(path.join(dataDir, 'session-secret'), 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await container.close();

    container = await createContainer(config);
    expect(await container.store.countExposes()).toBe(DEMO_EXPOSES.length); // not seeded twice
    expect(container.sessionSecrets[0]).toBe(secret);
  });

  it('does not seed with SEED_DEMO=0', async () => {
    container = await createContainer(loadConfig({ DATA_DIR: tmp(), SEED_DEMO: '0' }));
    expect(await container.store.countExposes()).toBe(0);
  });

  it('refuses a second process on the same data folder', async () => {
    const dataDir = tmp();
    const db = await openPglite(dataDir);
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./lib/server/store/open-pglite.ts').then(m => m.openPglite(${JSON.stringify(dataDir)})).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`,
        ],
        { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(3);
      expect(stderr).toMatch(/in use by process \d+/);
    } finally {
      await db.close();
    }
    // released on close: it opens again
    const again = await openPglite(dataDir);
    await again.close();
  });
});

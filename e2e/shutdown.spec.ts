import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openPglite } from '../lib/server/store/open-pglite';
import { createStore } from '../lib/server/store/open-store';
import { sigtermUnderLoad } from '../tests/helpers/drain-scenario';
import { startServer } from '../tests/helpers/server-process';

/** Next to the suite's own server (E2E_PORT), inside the same assigned range. */
const PORT = Number(process.env.E2E_PORT ?? 3123) + 1;

/**
 * The built server exactly as deployed: `node dist/server.mjs` with no NODE_ENV, its own data
 * folder, then SIGTERM while it is busy (tests/server/shutdown.test.ts does the same to a
 * pages-free server on PGlite and PostgreSQL).
 */
test('node dist/server.mjs without NODE_ENV serves the production build, then drains on SIGTERM and exits 0', async () => {
  test.setTimeout(90_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ec-e2e-drain-'));
  const server = await startServer(
    process.execPath,
    ['dist/server.mjs'],
    // FREE_VOTES_PER_IP: the burst's votes all come from 127.0.0.1; the per-IP cap must not decide the count.
    { PORT: String(PORT), DATA_DIR: dataDir, SEED_DEMO: '0', RATE_LIMITS: '0', FREE_VOTES_PER_IP: '1000000', MAX_VOTES_PER_IP: '1000000', SHUTDOWN_TIMEOUT_MS: '20000' },
    { ready: /ready on/, port: PORT },
  );
  try {
    // Production mode: the page is the one `next build` made (development mode would compile it
    // on demand under build id "development").
    const buildId = readFileSync('.next/BUILD_ID', 'utf8').trim();
    const page = await fetch(`http://127.0.0.1:${PORT}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.includes(buildId), 'the page carries the build id of `next build`').toBe(true);
    expect(/hmr-client|_development_/.test(html), 'no hot-reload client or development React').toBe(false);

    const seen = await sigtermUnderLoad(server);
    expect([seen.idleStatus, seen.continueStatus]).toEqual([200, 100]);
    expect(seen.refused.status).toBe(503);
    expect(JSON.parse(seen.refused.body)).toMatchObject({ error: { code: 'unavailable' } });
    expect(Number(seen.refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(seen.refused.headers.connection).toBe('close');
    expect(seen.viewed.status).toBe(200);
    expect(JSON.parse(seen.viewed.body)).toMatchObject({ counted: true, metrics: { views: 1 } });
    expect(seen.exit).toEqual({ code: 0, signal: null });

    const store = createStore(await openPglite(dataDir));
    try {
      const row = await store.findExpose(seen.exposeId);
      expect({ views: row?.views, upvotes: row?.upvotes }).toEqual({
        views: 1,
        upvotes: seen.burst.filter((s) => s === 200).length,
      });
    } finally {
      await store.close();
    }
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

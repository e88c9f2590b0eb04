import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { createContainer, type Container } from '@/lib/server/container';
import { createPool, postgresDatabase } from '@/lib/server/store/open-postgres';
import { createStore } from '@/lib/server/store/open-store';
import { testDatabases } from '../helpers/databases';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ec-maint-'));
const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SEED_DEMO: '0' });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Polls until `check` is true; the maintenance interval (10 min) is far beyond this bound. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const database of testDatabases()) {
  describe(`maintenance at start-up (${database.name})`, () => {
    afterAll(() => database.cleanup());

    it('runs once when the container starts, not only after its first interval', async () => {
      const store = await database.open();
      // A salt from long ago: maintenance deletes every salt older than yesterday's.
      await store.ensureSalt('2020-01-01', 'old-salt', { now: new Date('2020-01-01T12:00:00Z') });
      const container = await createContainer(config, { store, log: { error: () => {} } });
      try {
        await eventually(async () => (await store.findSalt('2020-01-01')) === null, 'the old salt was deleted');
      } finally {
        await container.close();
      }
    });
  });
}

describe('maintenance failures', () => {
  let container: Container | undefined;
  afterAll(() => container?.close());

  it('are logged through the logger the container was given', async () => {
    // A real failure: nothing listens on port 1.
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/x', poolSize: 1, connectTimeoutMs: 500, statementTimeoutMs: 500 });
    const errors: { obj: object; msg: string }[] = [];
    container = await createContainer(config, {
      store: createStore(postgresDatabase(pool)),
      log: { error: (obj, msg) => errors.push({ obj, msg }) },
    });
    await eventually(() => errors.length > 0, 'a logged maintenance failure');
    expect(errors[0]!.msg).toMatch(/maintenance/);
    expect(errors[0]!.obj).toHaveProperty('err');
  });
});

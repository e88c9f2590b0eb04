import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from '@/lib/server/observability/telemetry';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { hasPromtool, PROMTOOL } from '../helpers/prometheus';

const ALERTS = 'docs/ops/alerts.yml';
const SCRAPE_CONFIG = 'docs/ops/prometheus.yml';
const OPERATIONS = 'docs/OPERATIONS.md';
const [database] = testDatabases();

const promtool = (...args: string[]) => {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

describe.skipIf(!hasPromtool)('operations files, checked by promtool', () => {
  it('alert rules pass `promtool check rules`', () => {
    const r = promtool('check', 'rules', ALERTS);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('the ready scrape config passes `promtool check config`', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-promcfg-'));
    try {
      copyFileSync(SCRAPE_CONFIG, path.join(dir, 'prometheus.yml'));
      copyFileSync(ALERTS, path.join(dir, 'alerts.yml'));
      writeFileSync(path.join(dir, 'expose-corner-admin-token'), 'x'.repeat(32));
      const r = promtool('check', 'config', path.join(dir, 'prometheus.yml'));
      expect(r.output).toContain('valid prometheus config file');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
if (!hasPromtool) describe.skip('promtool is not installed (apt-get install -y prometheus); CI installs it', () => {});

describe('metric names in the docs and rules', () => {
  let t: TestApp;
  let families: string[];
  beforeAll(async () => {
    t = await createTestApp(await database!.open(), { overrides: { maintenance: false, telemetry: createTelemetry() } });
    // A 429 and a DB error are not needed: families are declared (# TYPE) before their first sample.
    const scrape = (await t.app.inject({ method: 'GET', url: '/api/metrics' })).body;
    families = [...scrape.matchAll(/^# TYPE (ec_\w+) /gm)].map((m) => m[1]!);
  });
  afterAll(async () => {
    await t.close();
    await database!.cleanup();
  });

  it('docs/OPERATIONS.md explains every series the app exports', () => {
    const doc = readFileSync(OPERATIONS, 'utf8');
    const undocumented = families.filter((f) => !doc.includes(`\`${f}\``));
    expect(undocumented).toEqual([]);
  });

  it('every ec_ name the alert rules use exists', () => {
    const used = [...readFileSync(ALERTS, 'utf8').matchAll(/\b(ec_\w+)/g)].map((m) => m[1]!);
    const exists = (name: string) => families.some((f) => name === f || name.replace(/_(bucket|sum|count)$/, '') === f);
    expect(used.filter((n) => !exists(n))).toEqual([]);
    expect(used.length).toBeGreaterThan(4);
  });
});

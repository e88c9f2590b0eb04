/**
 * `npm run bench:lighthouse`: Lighthouse accessibility and best-practices scores of the feed and of
 * an expose page, light and dark, on the built server (fresh data folder, demo content), in
 * Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) with the browser tests' headless
 * flags. Writes the table into docs/BENCHMARKS.md and docs/BENCHMARKS.notes.md (between markers,
 * so a full `npm run bench` keeps it) and exits 1 when a score is below 100.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/support/chromium';
import { freePort } from '../tests/helpers/raw-http';
import { startServer } from './server-process';

const CHROME = process.env.CHROME_PATH ?? CHROMIUM_PATH;
// playwright.config.ts's launch flags, headless.
const FLAGS = ['--headless=new', ...CHROMIUM_ARGS];
const CATEGORIES = ['accessibility', 'best-practices'] as const;
const START = '<!-- lighthouse:start -->';
const END = '<!-- lighthouse:end -->';

interface Row {
  page: string;
  scheme: 'light' | 'dark';
  scores: Record<string, number>;
  failing: string[];
}

async function audit(url: string, scheme: 'light' | 'dark', label: string): Promise<Row> {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROME,
    chromeFlags: [...FLAGS, ...(scheme === 'dark' ? ['--force-dark-mode', '--blink-settings=preferredColorScheme=0'] : [])],
  });
  try {
    const result = await lighthouse(url, { port: chrome.port, onlyCategories: [...CATEGORIES], logLevel: 'error', output: 'json' });
    if (!result) throw new Error(`no Lighthouse result for ${url}`);
    const { categories, audits } = result.lhr;
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((categories[c]?.score ?? 0) * 100)]));
    const failing = CATEGORIES.flatMap((c) =>
      (categories[c]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0 && audits[ref.id]?.score !== null && (audits[ref.id]?.score ?? 1) < 1)
        .map((ref) => `${c}: ${ref.id}`),
    );
    return { page: label, scheme, scores, failing };
  } finally {
    chrome.kill();
  }
}

function render(rows: Row[], chromeVersion: string): string {
  const lines = [
    START,
    '',
    '## Lighthouse (issue 17; `npm run bench:lighthouse`)',
    '',
    `Lighthouse 12.2.3, ${chromeVersion}, headless with the browser tests' flags, default (mobile) emulation, built server with the demo content; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| page | scheme | accessibility | best practices | audits below 1 |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.page} | ${r.scheme} | ${r.scores.accessibility} | ${r.scores['best-practices']} | ${r.failing.join(', ') || '–'} |`),
    '',
    END,
  ];
  return lines.join('\n');
}

function writeInto(file: string, block: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

async function main() {
  if (!existsSync('dist/server.mjs')) throw new Error('build first: npm run build');
  const server = await startServer(await freePort(), { SEED_DEMO: '1' });
  try {
    const feed = (await (await fetch(`${server.url}/api/exposes?limit=1`)).json()) as { exposes: { exposeId: string }[] };
    const exposeId = feed.exposes[0]?.exposeId;
    if (!exposeId) throw new Error('no demo expose');
    const rows: Row[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      rows.push(await audit(`${server.url}/`, scheme, '`/`'));
      rows.push(await audit(`${server.url}/expose/${exposeId}`, scheme, '`/expose/{id}`'));
    }
    const block = render(rows, readChromeVersion());
    writeInto('docs/BENCHMARKS.md', block);
    writeInto('docs/BENCHMARKS.notes.md', block);
    console.log(block);
    if (rows.some((r) => Object.values(r.scores).some((s) => s < 100))) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

function readChromeVersion(): string {
  try {
    // `chromium --version` prints e.g. "Chromium 156.0.7444.59 built on Debian …".
    return execFileSync(CHROME, ['--version'], { encoding: 'utf8' }).trim().split(' built')[0] ?? 'Chromium';
  } catch {
    return 'Chromium';
  }
}

await main();

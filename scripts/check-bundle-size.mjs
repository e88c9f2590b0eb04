#!/usr/bin/env node
/**
 * First-load JavaScript budget (issue 12) for `/`, `/expose/[id]` and `/new`, over the build's own
 * manifests: Next's root main files plus every chunk the page's client reference manifest lists for
 * its entries (layout, page, not-found, global-error), each file counted once, gzip-compressed.
 * Fails (exit 1) when a page is over its budget in scripts/bundle-budget.json, or when a first-load
 * chunk contains zod or the debug fault injector. `--write` sets the budgets to the measured size
 * plus 5 %. Run after `npm run build`.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const next = path.join(root, '.next');
const budgetFile = path.join(root, 'scripts', 'bundle-budget.json');
const PAGES = { '/': '/page', '/expose/[id]': '/expose/[exposeId]/page', '/new': '/new/page' };
/** What must never be in a first-load chunk: zod (and its eval probe), the debug fault injector. */
const FORBIDDEN = [
  [/ZodError|\$ZodType/, 'zod'],
  [/Injected fault/, 'the fault injector (lib/metrics-client/debug)'],
];

if (!existsSync(path.join(next, 'build-manifest.json'))) {
  console.error('No build found: run `npm run build` first.');
  process.exit(2);
}
const buildManifest = JSON.parse(readFileSync(path.join(next, 'build-manifest.json'), 'utf8'));

function entryFiles(page) {
  const file = path.join(next, 'server', 'app', `${page}_client-reference-manifest.js`);
  const sandbox = { globalThis: {} };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(readFileSync(file, 'utf8'), sandbox);
  const manifest = sandbox.__RSC_MANIFEST[page];
  return Object.values(manifest.entryJSFiles).flat();
}

const measured = {};
const problems = [];
for (const [route, page] of Object.entries(PAGES)) {
  const files = [...new Set([...buildManifest.rootMainFiles, ...entryFiles(page)])];
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = readFileSync(path.join(next, f));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
    const text = bytes.toString('utf8');
    for (const [re, what] of FORBIDDEN) if (re.test(text)) problems.push(`${route}: ${f} contains ${what}`);
  }
  measured[route] = { files: files.length, raw, gzip };
}

const budget = existsSync(budgetFile) ? JSON.parse(readFileSync(budgetFile, 'utf8')) : {};
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log('route            files   raw        gzip       budget (gzip)');
for (const [route, m] of Object.entries(measured)) {
  const limit = budget[route];
  console.log(`${route.padEnd(16)} ${String(m.files).padStart(5)}   ${kB(m.raw).padEnd(10)} ${kB(m.gzip).padEnd(10)} ${limit ? kB(limit) : '-'}`);
  if (limit && m.gzip > limit) problems.push(`${route}: ${kB(m.gzip)} gzip is over its budget of ${kB(limit)}`);
}

if (process.argv.includes('--write')) {
  const next = Object.fromEntries(Object.entries(measured).map(([r, m]) => [r, Math.ceil(m.gzip * 1.05)]));
  writeFileSync(budgetFile, `${JSON.stringify(next, null, 2)}\n`);
  console.log(`budgets written to ${path.relative(root, budgetFile)} (measured + 5 %)`);
} else if (problems.length > 0) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
} else {
  console.log('first-load JS within budget');
}

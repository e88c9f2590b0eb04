import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SOURCES = ['app', 'components', 'lib', 'scripts', 'server.ts', 'next.config.ts'];
// Runtime dependencies that no file of ours imports, each with the reason it stays.
const NOT_IMPORTED: Record<string, string> = {
  'react-dom': 'rendered through by Next (its peer dependency)',
  '@fastify/swagger': "peer of fastify-type-provider-zod; the OpenAPI document's generator",
};

function files(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(entry, d.name)) : /\.(ts|tsx|mjs)$/.test(d.name) ? [path.join(full, d.name)] : []));
}

describe('dependencies', () => {
  it('every runtime dependency is imported by the app, or listed here with its reason', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const source = SOURCES.flatMap(files).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(pkg.dependencies).filter(
      (name) => !(name in NOT_IMPORTED) && !new RegExp(`(from |import\\(|require\\()'${name.replace(/[/.]/g, '\\$&')}(/[^']*)?'`).test(source),
    );
    expect(unused).toEqual([]);
  });
});

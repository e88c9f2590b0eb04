import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Where a frame's code lives: an npm package, the app bundle, a node: module, or native/V8. */
function owner(frame: ProfileNode['callFrame']): string {
  const pkg = frame.url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (frame.url.includes('dist/server.mjs')) return 'app (dist/server.mjs)';
  if (frame.url.startsWith('node:')) return `node:${frame.url.slice(5).split('/')[0]}`;
  return frame.functionName ? `(${frame.functionName})` : '(native)';
}

function top(counts: Map<string, number>, total: number, n: number): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c]) => `| ${((100 * c) / total).toFixed(1)} % | ${k.replace(/\|/g, '\\|').slice(0, 120)} |`);
}

/** Self time (busy samples only) of each profile, by owner and by function: bench/profiles/SUMMARY.md. */
export function summariseProfiles(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const out = ['# CPU profiles of the benchmark servers (self time of busy samples)', ''];
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const hits = new Map<number, number>();
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
    const byOwner = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const c = hits.get(node.id) ?? 0;
      if (!c || node.callFrame.functionName === '(idle)') continue;
      busy += c;
      const o = owner(node.callFrame);
      byOwner.set(o, (byOwner.get(o) ?? 0) + c);
      const f = `${node.callFrame.functionName || '(anonymous)'} — ${o}`;
      byFunction.set(f, (byFunction.get(f) ?? 0) + c);
    }
    const idle = profile.samples.length - busy;
    out.push(`## ${file}`, '', `${profile.samples.length} samples, ${((100 * idle) / profile.samples.length).toFixed(0)} % idle.`, '');
    out.push('| busy % | owner |', '| ---: | --- |', ...top(byOwner, busy, 15), '');
    out.push('| busy % | function |', '| ---: | --- |', ...top(byFunction, busy, 25), '');
  }
  writeFileSync(path.join(dir, 'SUMMARY.md'), out.join('\n'));
  console.log(`wrote ${path.join(dir, 'SUMMARY.md')} (${files.length} profiles)`);
}

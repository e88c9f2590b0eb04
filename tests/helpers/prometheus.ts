import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's prometheus package puts both here; CI installs it (.ci/run). */
export const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';
export const hasPromtool = existsSync(PROMTOOL);
export const hasPrometheus = existsSync(PROMETHEUS);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The value of one sample in a text exposition, matched by name and (a subset of) labels; undefined
 * when absent. Enough for assertions; promtool checks the format itself.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const re = new RegExp(`^${escapeRe(name)}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return undefined;
}

/** Every label value a metric has for `label`. */
export function labelValues(text: string, name: string, label: string): string[] {
  const re = new RegExp(`^${escapeRe(name)}\\{[^}]*\\b${label}="([^"]*)"`, 'gm');
  return [...new Set([...text.matchAll(re)].map((m) => m[1]!))];
}

/** `promtool check metrics` on a scrape: exit status and what it said (lint problems go to stderr/stdout). */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

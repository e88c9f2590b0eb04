import { spawnSync } from 'node:child_process';

/**
 * Whether a program from Debian's packages (varnishd, redis-server, redis-cli) is on this machine.
 * Suites that need one are skipped where it is missing, so `npm install && npm test` passes on a
 * fresh machine; under CI (`CI=true`, .ci/run installs them) they always run and fail loudly instead.
 */
export function hasPrograms(...names: string[]): boolean {
  if (process.env.CI === 'true') return true;
  return names.every((name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0);
}

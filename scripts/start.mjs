// `npm start`: builds once when no build exists, then runs the bundled server in this process
// (so the PID you hold is the server's own).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

process.env.NODE_ENV = 'production';
process.env.NEXT_TELEMETRY_DISABLED = '1';

if (!existsSync('.next/BUILD_ID') || !existsSync('dist/server.mjs')) {
  console.log('No build found: running `npm run build` first (about a minute)…');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

await import('../dist/server.mjs');

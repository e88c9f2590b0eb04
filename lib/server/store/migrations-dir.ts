import path from 'node:path';

/**
 * The committed drizzle-kit migrations. Resolved from the working directory (the repo root for
 * `npm start`, `npm test` and the bundled server) because bundling moves this file.
 */
export const MIGRATIONS_DIR = process.env.MIGRATIONS_DIR ?? path.join(process.cwd(), 'lib/server/store/migrations');

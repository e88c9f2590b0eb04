import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Layering (STYLE.md): a wrong import arrow fails lint instead of waiting for review. */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/**
 * Browser code takes the zod-free core (lib/contracts/core.ts, vote-transition.ts, text.ts, ...):
 * zod and the schema modules built on it stay on the server (issue 12).
 */
const noZod = [
  { group: ['zod', 'zod/*'], message: 'No zod in browser code: use the zod-free lib/contracts/core.ts.' },
  {
    group: ['@/lib/contracts/metrics', '@/lib/contracts/comments', '@/lib/contracts/exposes', '@/lib/contracts/common', '@/lib/contracts/errors', '@/lib/contracts/admin', '@/lib/contracts/audit'],
    message: 'Schema modules build zod on load: import types, limits and codes from @/lib/contracts/core.',
  },
];
/** The fault injector and test helpers are not part of the production engine. */
const noDebug = [
  { group: ['@/lib/metrics-client/debug', '@/lib/metrics-client/debug/*', '@/lib/metrics-client/testing/*', './debug', './debug/*', './testing/*', '../testing/*'], message: 'Debug and test helpers stay out of the production entry (only the debug console and tests use them).' },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.next/', 'dist/', 'data/', 'next-env.d.ts', 'test-results/', 'playwright-report/', 'lib/server/store/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['lib/metrics-client/**'],
    rules: restrict([
      { group: ['react', 'react-dom', 'react/*', 'next', 'next/*'], message: 'The engine has no React or Next in it.' },
      { group: ['@/lib/server/*', '@/lib/server/**'], message: 'The browser engine must not import server code.' },
      ...noZod,
    ]),
  },
  {
    files: ['lib/metrics-client/**'],
    ignores: ['lib/metrics-client/debug/**', 'lib/metrics-client/testing/**', '**/*.test.ts'],
    rules: restrict([
      { group: ['react', 'react-dom', 'react/*', 'next', 'next/*'], message: 'The engine has no React or Next in it.' },
      { group: ['@/lib/server/*', '@/lib/server/**'], message: 'The browser engine must not import server code.' },
      ...noZod,
      ...noDebug,
    ]),
  },
  {
    files: ['lib/contracts/core.ts', 'lib/contracts/vote-transition.ts', 'lib/contracts/metric-names.ts', 'lib/contracts/text.ts', 'lib/contracts/feed-order.ts', 'lib/contracts/comment-author.ts'],
    rules: restrict([{ group: ['zod', 'zod/*', './metrics', './comments', './exposes', './common', './errors', './admin', './audit'], message: 'The core of the contracts is zod-free: the browser loads it.' }]),
  },
  {
    files: ['lib/server/domain/**'],
    ignores: ['**/*.test.ts'],
    rules: restrict([
      { group: ['fastify', 'fastify/*', '@fastify/*', 'pg', '@electric-sql/*', 'ioredis', 'drizzle-orm', 'drizzle-orm/*'], message: 'The domain knows no HTTP type and no driver.' },
      { group: ['@/lib/server/http/*', '@/lib/server/http/**'], message: 'Dependencies point http -> domain, not back.' },
    ]),
  },
  {
    files: ['lib/server/store/**'],
    rules: restrict([{ group: ['@/lib/server/http/*', '@/lib/server/http/**', 'fastify'], message: 'The store knows nothing of HTTP.' }]),
  },
  {
    files: ['app/**', 'components/**', 'lib/hooks/**'],
    rules: restrict([
      { group: ['pg', '@electric-sql/*', 'drizzle-orm', 'drizzle-orm/*', '@/lib/server/store/*'], message: 'Pages read through the domain, never the store or a driver.' },
      ...noZod,
      ...noDebug,
    ]),
  },
  {
    // The debug console may use the fault injector; tests may use the helpers.
    files: ['app/test-real-time-metrics/**', 'app/**/*.test.ts', 'app/**/*.test.tsx', 'components/**/*.test.ts', 'components/**/*.test.tsx', 'lib/hooks/**/*.test.ts', 'lib/hooks/**/*.test.tsx'],
    rules: restrict([
      { group: ['pg', '@electric-sql/*', 'drizzle-orm', 'drizzle-orm/*', '@/lib/server/store/*'], message: 'Pages read through the domain, never the store or a driver.' },
      ...noZod,
    ]),
  },
);

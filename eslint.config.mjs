import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Layering (STYLE.md): a wrong import arrow fails lint instead of waiting for review. */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

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
    ]),
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
    rules: restrict([{ group: ['pg', '@electric-sql/*', 'drizzle-orm', 'drizzle-orm/*', '@/lib/server/store/*'], message: 'Pages read through the domain, never the store or a driver.' }]),
  },
);

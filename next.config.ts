import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // PGlite ships WASM and a data bundle that webpack/turbopack must not inline.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'ioredis'],
  poweredByHeader: false,
  reactStrictMode: true,
  // The API lives in Fastify; Next only renders pages.
  typedRoutes: false,
};

export default nextConfig;

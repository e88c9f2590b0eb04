/** The ADMIN_TOKEN e2e/serve.mjs gives the browser tests' server (the same literal is there). */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

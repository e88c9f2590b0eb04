/**
 * The API alone (no Next), as a process of its own, for tests that signal, kill and restart a
 * server: `node --import tsx tests/helpers/api-server.ts` with the usual environment (README).
 * Wired like server.ts (one logger for app and container, the same shutdown); pino JSON lines on
 * stdout, and `listening <port>` once it accepts requests.
 */
import { loadConfig } from '@/lib/server/config';
import { createContainer } from '@/lib/server/container';
import { buildApp } from '@/lib/server/http/app';
import { createLogger } from '@/lib/server/logging';
import { handleShutdownSignals } from '@/lib/server/lifecycle/shutdown';

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const container = await createContainer(config, { log });
const app = await buildApp(container, { logger: log });
app.addHook('onClose', () => container.close());
handleShutdownSignals({ app, drain: container.drain, timeoutMs: config.shutdownTimeoutMs });
await app.listen({ port: config.port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : config.port}\n`);

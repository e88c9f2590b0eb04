// A pages-free server process for tests that signal or kill it: server.ts without Next.
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig } from '@/lib/server/config';
import { createContainer } from '@/lib/server/container';
import { buildApp, loggerSerializers } from '@/lib/server/http/app';
import { handleShutdownSignals } from '@/lib/server/lifecycle/shutdown';

const config = loadConfig(process.env);
const log = pino({ level: config.logLevel, serializers: loggerSerializers });
const container = await createContainer(config, { log });
const app = await buildApp(container, { loggerInstance: log });
app.addHook('onClose', async () => {
  await container.close();
});
handleShutdownSignals({ app, drain: container.drain, timeoutMs: config.shutdownTimeoutMs });
await app.listen({ port: config.port, host: config.host });
app.log.info({ port: (app.server.address() as AddressInfo).port }, 'listening');

/**
 * The API alone (no Next), as a process of its own, for tests that kill and restart a server:
 * `node --import tsx tests/helpers/api-server.ts` with the usual environment (README). Prints
 * `listening <port>` once it accepts requests.
 */
import { loadConfig } from '@/lib/server/config';
import { createContainer } from '@/lib/server/container';
import { buildApp } from '@/lib/server/http/app';

const config = loadConfig(process.env);
const container = await createContainer(config);
const app = await buildApp(container);
app.addHook('onClose', () => container.close());
await app.listen({ port: config.port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : config.port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));

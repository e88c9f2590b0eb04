import type { Container } from './container';

/**
 * Next bundles the pages separately from server.ts, so module state is not shared between them.
 * server.ts publishes its container here, on a process-wide symbol, and server components read it.
 */
const KEY = Symbol.for('expose-corner.container');
type Holder = { [KEY]?: Container };

export function publishContainer(container: Container | undefined): void {
  (globalThis as Holder)[KEY] = container;
}

export function getContainer(): Container {
  const container = (globalThis as Holder)[KEY];
  if (!container) {
    throw new Error('The Expose Corner server is not running in this process; start it with `npm start` or `npm run dev`.');
  }
  return container;
}

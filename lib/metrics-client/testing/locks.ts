import type { LockManagerLike } from '../op-queue';

/**
 * navigator.locks for tests in Node (which has none): exclusive locks granted in request order, one
 * manager shared by the "tabs" of a test. A request whose signal aborts before its turn is skipped.
 * Test-only module; browsers use the real Web Locks API (e2e/offline.spec.ts).
 */
export function createLockManager(): LockManagerLike & { holders(name: string): number } {
  const tails = new Map<string, Promise<void>>();
  const held = new Map<string, number>();
  return {
    request(name, options, callback) {
      const before = tails.get(name) ?? Promise.resolve();
      let release = () => {};
      const mine = new Promise<void>((resolve) => (release = resolve));
      tails.set(name, before.then(() => mine));
      return before.then(async () => {
        if (options.signal?.aborted) {
          release();
          throw new DOMException('aborted', 'AbortError');
        }
        held.set(name, (held.get(name) ?? 0) + 1);
        try {
          return await callback();
        } finally {
          held.set(name, (held.get(name) ?? 1) - 1);
          release();
        }
      });
    },
    holders: (name) => held.get(name) ?? 0,
  };
}

import type { ChallengeSolver } from './challenge';

/**
 * Solves in a Web Worker so the page stays responsive (~0.5 s of hashing on a phone). The worker's
 * script is a chunk of its own, fetched the first time a challenge arrives; most visitors never
 * load it. The worker ends with its challenge, or when the engine is disposed.
 */
export const workerSolver: ChallengeSolver = (challenge, signal) =>
  new Promise((resolve) => {
    // A classic worker: Turbopack's worker bootstrap loads its chunks with importScripts, which
    // module workers do not have (with { type: 'module' } the worker failed at once).
    const worker = new Worker(new URL('./challenge-worker.ts', import.meta.url));
    const done = (value: string | null) => {
      worker.terminate();
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(null);
    signal.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<string | null>) => done(typeof event.data === 'string' ? event.data : null);
    worker.onerror = () => done(null);
    worker.postMessage(challenge);
  });

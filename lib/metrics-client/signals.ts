/** The page-visibility and connectivity seam. */
export interface EnvironmentSignals {
  isVisible(): boolean;
  isOnline(): boolean;
  /** Called whenever visibility or connectivity may have changed; returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** For tests and non-browser hosts: always visible, always online, never changes. */
export const alwaysOnSignals: EnvironmentSignals = {
  isVisible: () => true,
  isOnline: () => true,
  subscribe: () => () => {},
};

/** Resolves true once online, or false if `signal` aborts first. Leaves no listener behind. */
export function waitUntilOnline(signals: EnvironmentSignals, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (signals.isOnline()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => finish(false);
    const unsubscribe = signals.subscribe(() => {
      if (signals.isOnline()) finish(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

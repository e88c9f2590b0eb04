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

export interface ManualSignals extends EnvironmentSignals {
  setVisible(visible: boolean): void;
  setOnline(online: boolean): void;
  readonly listenerCount: number;
}

/** A controllable signal source, handy for tests and the fault-injection page. */
export function createManualSignals(initial: { visible?: boolean; online?: boolean } = {}): ManualSignals {
  let visible = initial.visible ?? true;
  let online = initial.online ?? true;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  return {
    isVisible: () => visible,
    isOnline: () => online,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    setVisible(v: boolean) {
      visible = v;
      notify();
    },
    setOnline(v: boolean) {
      online = v;
      notify();
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}

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

import type { EnvironmentSignals } from '../signals';

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

/**
 * Whether this process is shutting down. From the moment SIGTERM arrives, readiness fails and
 * every new request is refused with 503 `unavailable` (docs/ARCHITECTURE.md "Shutdown").
 */
export interface DrainState {
  readonly draining: boolean;
  begin(): void;
}

export function createDrainState(): DrainState {
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
    },
  };
}

import { useSyncExternalStore } from 'react';
import { serverRigState, type DebugRig, type RigState } from './debug-rig';

/** One slice of the console's state; `select` must return a part of the state, not a new object. */
export function useRigState<T>(rig: DebugRig, select: (state: RigState) => T): T {
  return useSyncExternalStore(
    rig.subscribe,
    () => select(rig.getState()),
    () => select(serverRigState()),
  );
}

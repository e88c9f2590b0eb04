/**
 * The debug console's and the tests' entry: fault injection and hand-driven signals. Not part of the
 * production entry (../index.ts), so the feed never loads it; ESLint keeps pages and components from
 * importing it (only app/test-real-time-metrics may).
 */
export { createFaultInjector, type Fault, type FaultInjector, type FaultInjectorState, type FaultRule } from './fault-injector';
export { createManualSignals, type ManualSignals } from './manual-signals';

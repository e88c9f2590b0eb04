import { MetricsEngine, type MetricsEngineOptions } from '../engine';
import type { EngineEvent } from '../events';
import { createManualSignals } from '../debug/manual-signals';
import { createFakeFetch, sequentialIds, type Responder } from './fake-fetch';

/** An engine wired to fakes; use with vi.useFakeTimers(). Test-only module. */
export function makeEngine(opts: { responder?: Responder } & Partial<MetricsEngineOptions> = {}) {
  const { responder, ...rest } = opts;
  const fake = createFakeFetch(responder);
  const signals = createManualSignals();
  const events: EngineEvent[] = [];
  const engine = new MetricsEngine({
    fetch: fake.fetch,
    randomUUID: sequentialIds(),
    now: () => Date.now(),
    signals,
    hasSession: true,
    ...rest,
  });
  engine.onEvent((e) => events.push(e));
  return { engine, fake, signals, events };
}

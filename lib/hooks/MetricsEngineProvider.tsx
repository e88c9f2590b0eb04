'use client';

import { createContext, useContext, type ReactNode } from 'react';
import { getBrowserEngine } from '@/lib/metrics-client/browser-engine';
import type { MetricsEngine } from '@/lib/metrics-client/engine';

const MetricsEngineContext = createContext<MetricsEngine | null>(null);

/** Supplies an engine to everything below (tests, a fault-injection page); otherwise the page's own. */
export function MetricsEngineProvider({ engine, children }: { engine: MetricsEngine; children: ReactNode }) {
  return <MetricsEngineContext value={engine}>{children}</MetricsEngineContext>;
}

export function useMetricsEngine(): MetricsEngine {
  return useContext(MetricsEngineContext) ?? getBrowserEngine();
}

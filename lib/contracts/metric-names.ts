import type { Metrics } from './core';

// Values the browser needs, in a module without zod: importing them from metrics.ts pulled all of
// zod into the page bundle, and zod's start-up probe `Function("")` is an eval that the pages' CSP
// blocks and reports (docs/SECURITY.md, "Headers and cookies").

export const METRIC_NAMES = ['views', 'comments', 'upvotes', 'downvotes', 'netVotes', 'shares'] as const;

export const emptyMetrics = (): Metrics => ({
  views: 0,
  comments: 0,
  upvotes: 0,
  downvotes: 0,
  netVotes: 0,
  shares: 0,
});

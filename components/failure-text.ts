import type { OpKind } from '@/lib/metrics-client/operations';

const BY_KIND: Record<OpKind, string> = {
  vote: 'Your vote could not be saved.',
  share: 'Your share could not be counted.',
  comment: 'Your comment could not be posted.',
  view: 'Your view could not be counted.',
};

/** What the person reads when an action finally failed; server text is never shown raw. */
export function failureText(failure: { kind: OpKind; code: string }): string {
  if (failure.code === 'expired') return 'This expose has expired.';
  if (failure.code === 'not_found') return 'This expose no longer exists.';
  // The offline queue drops what waited more than 24 h (the server no longer knows its key).
  if (failure.code === 'offline_expired') return `${BY_KIND[failure.kind]} It waited offline for more than 24 hours and was dropped.`;
  if (failure.code === 'rate_limited') return `${BY_KIND[failure.kind]} Too many actions at once; try again shortly.`;
  return BY_KIND[failure.kind];
}

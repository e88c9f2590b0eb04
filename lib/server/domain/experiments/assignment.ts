import { createHash } from 'node:crypto';

/**
 * Deterministic variant assignment, GrowthBook's bucket-range scheme over SHA-256:
 * - a session's position in an experiment is one number in [0, 1) hashed from (experiment seed,
 *   session id): the same on every instance and every reload, and independent between experiments
 *   because each experiment hashes with its own seed;
 * - variant i owns the slot [start_i, start_i + weight_i) of [0, 1), and with traffic share t only the
 *   first t of each slot is in the experiment. Growing t only widens each range from its start, so a
 *   session already in a variant never moves to another one; it can only join from "not in".
 * Changing weights does move sessions: a started experiment's weights are frozen (experiments.ts).
 */

/** A uniform number in [0, 1) from the first 48 bits of SHA-256(seed, id). */
export function unitHash(seed: string, id: string): number {
  const digest = createHash('sha256').update(seed).update('\0').update(id).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export type BucketRange = readonly [start: number, end: number];

/** Each variant's range for these weights (normalised to sum 1) and traffic share in [0, 1]. */
export function bucketRanges(weights: readonly number[], traffic: number): BucketRange[] {
  const total = weights.reduce((a, w) => a + w, 0);
  if (!(total > 0)) throw new Error('weights must add up to more than 0');
  const share = Math.min(1, Math.max(0, traffic));
  let start = 0;
  return weights.map((w) => {
    const slot = w / total;
    const range: BucketRange = [start, start + slot * share];
    start += slot;
    return range;
  });
}

/** The index of the range holding `n`, or -1 when `n` falls outside every range (not in the experiment). */
export function chooseVariant(n: number, ranges: readonly BucketRange[]): number {
  return ranges.findIndex(([start, end]) => n >= start && n < end);
}

/** The variant index of `sessionId` in the experiment seeded `seed`, or -1 when it is not included. */
export function assignVariant(seed: string, sessionId: string, weights: readonly number[], traffic: number): number {
  return chooseVariant(unitHash(seed, sessionId), bucketRanges(weights, traffic));
}

/**
 * Proof of work (docs/API.md "Proof of work"): a 428 `challenge_required` carries an ALTCHA
 * challenge; the solver finds the number and the request is sent once more with the solution in
 * X-Challenge-Solution. Plain data and no library here: the solver itself (altcha-lib) lives in a
 * Web Worker loaded on demand (challenge-worker.ts), out of the page's initial bundle.
 */
export interface AltchaChallenge {
  algorithm: 'SHA-256';
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/** Solves a challenge; resolves to the X-Challenge-Solution value, or null if it could not. */
export type ChallengeSolver = (challenge: AltchaChallenge, signal: AbortSignal) => Promise<string | null>;

/** The challenge of a 428 body, when it has the shape the server sends. */
export function readChallenge(body: unknown): AltchaChallenge | undefined {
  const c = (body as { challenge?: Partial<AltchaChallenge> } | null | undefined)?.challenge;
  if (!c || typeof c !== 'object') return undefined;
  const ok =
    c.algorithm === 'SHA-256' &&
    typeof c.challenge === 'string' &&
    typeof c.salt === 'string' &&
    typeof c.signature === 'string' &&
    Number.isSafeInteger(c.maxnumber);
  return ok ? (c as AltchaChallenge) : undefined;
}

/** The header value: base64 of ALTCHA's payload JSON (ASCII only, so btoa is enough). */
export function encodeSolution(c: AltchaChallenge, number: number): string {
  return btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature }));
}

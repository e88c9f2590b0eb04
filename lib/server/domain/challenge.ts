import { createHmac } from 'node:crypto';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Challenge, Payload } from 'altcha-lib/v1/types';
import { DomainError } from './errors';

/**
 * Proof of work beyond the free writes (docs/SECURITY.md "Count integrity"): an ALTCHA challenge
 * (altcha-lib's classic SHA-256 format: find n in [0, maxNumber] with sha256(salt + n) = challenge),
 * HMAC-signed with a key derived from SESSION_SECRET (never sent anywhere), bound through its signed
 * salt parameters to one expose and one operation, and valid for `ttlMs`. Single use is enforced by
 * the store (claimChallenges), in the transaction of the write the solution pays for.
 */
export type ChallengeOp = 'vote' | 'share';

/** A solution whose signature, binding and expiry were checked; `id` is what single use claims. */
export interface VerifiedSolution {
  id: string;
  expiresAt: Date;
}

export interface ChallengeIssuer {
  issue(exposeId: string, op: ChallengeOp): Promise<Challenge>;
  /** Checks an X-Challenge-Solution header; throws `challenge_failed` when forged, foreign or expired. */
  verify(header: string, exposeId: string, op: ChallengeOp): Promise<VerifiedSolution>;
}

export interface ChallengeOptions {
  /** SESSION_SECRET's list: the first signs, all verify (a rotation keeps fresh challenges valid). */
  secrets: readonly string[];
  maxNumber: number;
  ttlMs: number;
  now: () => Date;
}

/** The header's size limit: a base64 JSON payload of a few hundred bytes. */
const MAX_HEADER_LENGTH = 2048;

/** A key of its own, so the challenge signatures can never be confused with session cookies. */
export const challengeKeyOf = (secret: string): string => createHmac('sha256', secret).update('expose-corner/altcha-challenge/v1').digest('hex');

export class ChallengeRequiredError extends DomainError {
  constructor(readonly challenge: Challenge) {
    super('challenge_required', 'This write needs a proof of work: solve the challenge and send the solution in X-Challenge-Solution.');
    this.name = 'ChallengeRequiredError';
  }
}

export const challengeFailed = (message: string) => new DomainError('challenge_failed', message);

function parsePayload(header: string): Payload | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  try {
    const p = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Partial<Payload> | null;
    const ok =
      p !== null &&
      typeof p === 'object' &&
      p.algorithm === 'SHA-256' &&
      typeof p.challenge === 'string' &&
      typeof p.salt === 'string' &&
      typeof p.signature === 'string' &&
      Number.isSafeInteger(p.number) &&
      (p.number as number) >= 0;
    return ok ? (p as Payload) : null;
  } catch {
    return null;
  }
}

export function createChallengeIssuer(opts: ChallengeOptions): ChallengeIssuer {
  const keys = opts.secrets.map(challengeKeyOf);
  if (keys.length === 0) throw new Error('createChallengeIssuer: no secret');
  return {
    issue: (exposeId, op) =>
      createChallenge({
        algorithm: 'SHA-256',
        hmacKey: keys[0]!,
        maxNumber: opts.maxNumber,
        expires: new Date(opts.now().getTime() + opts.ttlMs),
        params: { expose: exposeId, op },
      }),

    async verify(header, exposeId, op) {
      const payload = parsePayload(header);
      if (!payload) throw challengeFailed('X-Challenge-Solution is not an ALTCHA solution (base64 JSON with algorithm SHA-256).');
      const params = extractParams(payload);
      if (params.expose !== exposeId || params.op !== op) throw challengeFailed('The solution belongs to another expose or operation.');
      const expires = Number(params.expires);
      if (!Number.isSafeInteger(expires)) throw challengeFailed('The challenge has no expiry.');
      // Checked here against the injected clock (verifySolution's own check reads Date.now()).
      if (expires * 1000 <= opts.now().getTime()) throw challengeFailed('The challenge expired; ask for a new one.');
      for (const key of keys) {
        if (await verifySolution(payload, key, false)) return { id: payload.signature, expiresAt: new Date(expires * 1000) };
      }
      throw challengeFailed('The solution does not solve a challenge of this server.');
    },
  };
}

/// <reference lib="webworker" />
import { solveChallenge } from 'altcha-lib/v1';
import { encodeSolution, type AltchaChallenge } from './challenge';

/** One challenge in, its X-Challenge-Solution value (or null) out; worker-solver.ts starts one worker per challenge. */
self.onmessage = async (event: MessageEvent<AltchaChallenge>) => {
  const c = event.data;
  const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise.catch(() => null);
  self.postMessage(solution ? encodeSolution(c, solution.number) : null);
};

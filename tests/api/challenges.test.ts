import { createChallenge } from 'altcha-lib/v1';
import type { Challenge } from 'altcha-lib/v1/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeKeyOf } from '@/lib/server/domain/challenge';
import { createTestApp, type TestApp } from '../helpers/app';
import { cpuMs, solve } from '../helpers/challenge';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { JSON_HEADERS, signedInVisitor } from '../helpers/http';

const SECRET = `challenge-test-secret-${process.pid}-0123456789abcdef`;
const FREE = 30;
const MAX = 60;
// Low difficulty keeps the test quick; the CPU per solve scales linearly with it (docs/BENCHMARKS.md).
const MAX_NUMBER = 2000;
const ua = (n: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${n}.0 Safari/537.36`;

for (const database of testDatabases()) {
  describe(`proof of work beyond the free writes on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), {
        env: {
          SESSION_SECRET: SECRET,
          RATE_LIMITS: '0',
          FREE_VOTES_PER_IP: String(FREE),
          MAX_VOTES_PER_IP: String(MAX),
          MAX_SHARES_PER_IP: '15',
          CHALLENGE_MAX_NUMBER: String(MAX_NUMBER),
        },
        overrides: { maintenance: false },
      });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const post = (url: string, body: object, remoteAddress: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url, remoteAddress, headers: { ...JSON_HEADERS, 'user-agent': ua(1), ...headers }, payload: JSON.stringify(body) });
    const auditOf = async (id: string) => {
      await t.container.audit.flush();
      return Object.fromEntries((await t.container.store.readAudit(id)).map((r) => [`${r.kind}:${r.outcome}`, r.n]));
    };
    /** Uses up an address's free votes on an expose (each from a new cookie-less session). */
    const spendFreeVotes = async (id: string, address: string) => {
      for (let n = 0; n < FREE; n++) expect((await post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, address)).statusCode).toBe(200);
    };

    it('an attacker solving every challenge: counted votes stop at the hard cap, and it pays CPU for each', async () => {
      const id = await seedExpose(t.container.store);
      const address = '198.51.100.60';
      let requests = 0;
      let solveMs = 0;
      let solved = 0;
      for (let n = 0; n < 100; n++) {
        // cookie-less, a new user agent each time; one retry with the solution when asked
        const vote = (headers: Record<string, string> = {}) => (requests++, post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, address, { 'user-agent': ua(n), ...headers }));
        let res = await vote();
        if (res.statusCode === 428) {
          const { value, ms } = await cpuMs(() => solve(res.json().challenge as Challenge));
          solveMs += ms;
          solved++;
          res = await vote({ 'x-challenge-solution': value });
        }
        expect(res.statusCode).toBe(200);
        expect(res.json().myVote).toBe('upvote');
      }
      const row = (await t.container.store.findExpose(id))!;
      expect(row.upvotes).toBe(MAX);
      // beyond the hard cap nothing is asked any more: a solution could not make the vote count
      expect(solved).toBe(MAX - FREE);
      expect(await auditOf(id)).toEqual({ 'vote:counted': MAX, 'vote:challenge_required': MAX - FREE, 'vote:over_ip_cap': 100 - MAX });
      expect(requests).toBe(MAX + (MAX - FREE) + (100 - MAX));
      const perCounted = solveMs / MAX;
      console.info(
        `[${database.name}] attacker CPU: ${solveMs.toFixed(0)} ms for ${solved} solutions (CHALLENGE_MAX_NUMBER ${MAX_NUMBER}), ` +
          `${(solveMs / solved).toFixed(1)} ms per solution, ${perCounted.toFixed(1)} ms per counted vote (${MAX} counted of 100 sent)`,
      );
    }, 120_000);

    it('200 visitors behind one NAT, each with a session from loading the page, voting once and solving when asked: all 200 counted', async () => {
      // The default hard cap (1,000) and the default rate limits
      const nat = await createTestApp(t.container.store, {
        env: { SESSION_SECRET: SECRET, CHALLENGE_MAX_NUMBER: String(MAX_NUMBER) },
        overrides: { maintenance: false },
      });
      try {
        const id = await seedExpose(t.container.store);
        const address = '198.51.100.61';
        const visitors = await Promise.all(Array.from({ length: 200 }, (_, i) => signedInVisitor(nat.app, { remoteAddress: address, userAgent: ua(i) })));
        let challenged = 0;
        let next = 0;
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            while (next < visitors.length) {
              const v = visitors[next++]!;
              let res = await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' });
              if (res.statusCode === 428) {
                challenged++;
                res = await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, { 'x-challenge-solution': await solve(res.json().challenge as Challenge) });
              }
              expect(res.statusCode).toBe(200);
            }
          }),
        );
        expect((await t.container.store.findExpose(id))!.upvotes).toBe(200);
        expect(challenged).toBe(200 - 30);
        await nat.container.audit.flush();
        expect(await auditOf(id)).toEqual({ 'vote:counted': 200, 'vote:challenge_required': 170 });
      } finally {
        await nat.close();
      }
    }, 180_000);

    it('replayed, forged, foreign and expired solutions get 403 and change nothing', async () => {
      const id = await seedExpose(t.container.store);
      const other = await seedExpose(t.container.store);
      const address = '198.51.100.62';
      await spendFreeVotes(id, address);
      const upvote = (headers: Record<string, string> = {}) => post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, address, headers);
      const first = await upvote();
      expect(first.statusCode).toBe(428);
      expect(first.json().challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: MAX_NUMBER });
      const solution = await solve(first.json().challenge as Challenge);
      expect((await upvote({ 'x-challenge-solution': solution })).statusCode).toBe(200);
      const before = (await t.container.store.findExpose(id))!;
      expect(before.upvotes).toBe(FREE + 1);

      const payload = JSON.parse(Buffer.from(solution, 'base64').toString()) as Record<string, unknown>;
      const encode = (p: object) => Buffer.from(JSON.stringify(p)).toString('base64');
      const key = challengeKeyOf(SECRET);
      const expired = await createChallenge({ hmacKey: key, maxNumber: 10, number: 3, expires: new Date(Date.now() - 1000), params: { expose: id, op: 'vote' } });
      const foreign = await createChallenge({ hmacKey: key, maxNumber: 10, number: 3, expires: new Date(Date.now() + 60_000), params: { expose: other, op: 'vote' } });
      const otherKey = await createChallenge({ hmacKey: 'not-our-key', maxNumber: 10, number: 3, expires: new Date(Date.now() + 60_000), params: { expose: id, op: 'vote' } });
      const cases: [string, string][] = [
        ['replayed', solution],
        ['wrong number', encode({ ...payload, number: Number(payload.number) + 1 })],
        ['forged signature', encode({ ...payload, signature: 'ab'.repeat(32) })],
        ['signed with another key', encode({ ...otherKey, number: 3 })],
        ['expired', encode({ ...expired, number: 3 })],
        ['for another expose', encode({ ...foreign, number: 3 })],
        ['for a share', encode({ ...(await createChallenge({ hmacKey: key, maxNumber: 10, number: 3, expires: new Date(Date.now() + 60_000), params: { expose: id, op: 'share' } })), number: 3 })],
        ['not base64 JSON', '%%%'],
      ];
      for (const [name, header] of cases) {
        const res = await upvote({ 'x-challenge-solution': header });
        expect(res.statusCode, name).toBe(403);
        expect(res.json().error.code, name).toBe('challenge_failed');
        expect(JSON.stringify(res.json()), name).not.toContain(SECRET);
      }
      expect(await t.container.store.findExpose(id)).toEqual(before);
      expect(await auditOf(id)).toEqual({ 'vote:counted': FREE + 1, 'vote:challenge_required': 1, 'vote:challenge_failed': cases.length });
    }, 60_000);

    it('two requests racing with one solution: one counts, the other gets 403', async () => {
      const id = await seedExpose(t.container.store);
      const address = '198.51.100.63';
      await spendFreeVotes(id, address);
      const asked = await post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, address);
      const solution = await solve(asked.json().challenge as Challenge);
      const both = await Promise.all([0, 1].map(() => post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, address, { 'x-challenge-solution': solution })));
      expect(both.map((r) => r.statusCode).sort()).toEqual([200, 403]);
      expect((await t.container.store.findExpose(id))!.upvotes).toBe(FREE + 1);
    });

    it('shares: free ones count, then 428 until solved, solved ones count up to the hard cap, then accepted uncounted', async () => {
      const id = await seedExpose(t.container.store);
      const address = '198.51.100.64';
      const share = (headers: Record<string, string> = {}) => post('/api/expose/share', { exposeId: id, channel: 'link' }, address, headers);
      const statuses: number[] = [];
      for (let n = 0; n < 20; n++) {
        let res = await share();
        if (res.statusCode === 428) {
          statuses.push(428);
          res = await share({ 'x-challenge-solution': await solve(res.json().challenge as Challenge) });
        }
        statuses.push(res.statusCode);
      }
      // 10 free, 5 paid (MAX_SHARES_PER_IP 15), then 5 accepted uncounted
      expect(statuses.filter((s) => s === 428)).toHaveLength(5);
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect((await t.container.store.findExpose(id))!.shares).toBe(15);
      expect(await auditOf(id)).toEqual({ 'share:counted': 15, 'share:challenge_required': 5, 'share:over_ip_cap': 5 });
    }, 60_000);

    it('a share with an Idempotency-Key: the 428 is not stored as its reply, the retry with the solution counts once', async () => {
      const id = await seedExpose(t.container.store);
      const v = await signedInVisitor(t.app, { remoteAddress: '198.51.100.65', userAgent: ua(2) });
      for (let n = 0; n < 10; n++) expect((await v.post('/api/expose/share', { exposeId: id, channel: 'link' })).statusCode).toBe(200);
      const key = { 'idempotency-key': 'share-after-free' };
      const asked = await v.post('/api/expose/share', { exposeId: id, channel: 'link' }, key);
      expect(asked.statusCode).toBe(428);
      const solution = await solve(asked.json().challenge as Challenge);
      const done = await v.post('/api/expose/share', { exposeId: id, channel: 'link' }, { ...key, 'x-challenge-solution': solution });
      expect(done.statusCode).toBe(200);
      // a retry of the same request replays its reply; its used solution is not checked again
      const again = await v.post('/api/expose/share', { exposeId: id, channel: 'link' }, { ...key, 'x-challenge-solution': solution });
      expect(again.statusCode).toBe(200);
      expect((await t.container.store.findExpose(id))!.shares).toBe(11);
    });
  });
}

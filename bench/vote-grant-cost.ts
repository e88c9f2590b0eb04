// CPU per vote of the vote batch with and without the per-IP grant, on in-process PGlite, so the
// process's own CPU time is the whole cost (app + database) and other jobs on the machine do not
// enter the figure (wall time does not mean much on a shared machine; CPU time does).
// Run: npx tsx bench/vote-grant-cost.ts   (writes nothing; paste the table into docs/BENCHMARKS.md)
import { applyVoteBatchWithChanges, type IpCaps, type VoteDeps } from '@/lib/server/domain/record-vote';
import { openPglite } from '@/lib/server/store/open-pglite';
import { createStore } from '@/lib/server/store/open-store';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SPREAD_VOTES = Number(process.env.SPREAD_VOTES ?? 2000);
const HOT_BATCHES = Number(process.env.HOT_BATCHES ?? 100);
const BATCH = 50;
const CAPS: IpCaps = { freeVotes: 1e9, maxVotes: 1e9, views: 1e9, freeShares: 1e9, maxShares: 1e9 };

type Variant = { name: string; deps: (d: Omit<VoteDeps, 'caps' | 'grantStatement'>) => VoteDeps };
const VARIANTS: Variant[] = [
  { name: 'no per-IP caps (before issue 14)', deps: (d) => d },
  { name: 'caps, grant as its own statement', deps: (d) => ({ ...d, caps: CAPS, grantStatement: 'separate' }) },
  { name: 'caps, grant folded into the write', deps: (d) => ({ ...d, caps: CAPS, grantStatement: 'folded' }) },
];

async function main() {
  const store = createStore(await openPglite(null));
  const now = () => new Date();
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = `b_${i.toString(36).padStart(4, '0')}`;
    await store.insertExpose({ id, title: `t ${i}`, body: 'b', expiresAt: null });
    ids.push(id);
  }
  let session = 0;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const results = new Map<string, { spread: number[]; hot: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of VARIANTS) {
      const deps = v.deps({ store, now });
      // Votes spread over 1,000 exposes: one vote per batch (what coalescing gives when votes are spread).
      let start = cpu();
      for (let n = 0; n < SPREAD_VOTES; n++) {
        await applyVoteBatchWithChanges(deps, ids[n % ids.length]!, [{ sessionId: `s${session++}`, value: 1, ipKey: `ip${n % 7}` }]);
      }
      const spread = ((cpu() - start) * 1000) / SPREAD_VOTES;
      // A hot expose: batches of 50 distinct sessions (what coalescing gives under load).
      const hot = ids[round % 10]!;
      start = cpu();
      for (let b = 0; b < HOT_BATCHES; b++) {
        const ops = Array.from({ length: BATCH }, (_, i) => ({ sessionId: `s${session++}`, value: 1 as const, ipKey: `ip${i % 7}` }));
        await applyVoteBatchWithChanges(deps, hot, ops);
      }
      const hotCost = ((cpu() - start) * 1000) / (HOT_BATCHES * BATCH);
      const r = results.get(v.name) ?? { spread: [], hot: [] };
      r.spread.push(Math.round(spread));
      r.hot.push(Math.round(hotCost));
      results.set(v.name, r);
      console.log(`round ${round + 1} | ${v.name}: spread ${Math.round(spread)} µs/vote, hot ${Math.round(hotCost)} µs/vote`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('\n| variant | spread votes, CPU µs/vote (median; runs) | hot expose, CPU µs/vote (median; runs) |\n| --- | --- | --- |');
  for (const [name, r] of results) console.log(`| ${name} | ${median(r.spread)} (${r.spread.join(', ')}) | ${median(r.hot)} (${r.hot.join(', ')}) |`);
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

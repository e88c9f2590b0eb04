import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentsFileError, loadExperiments, parseExperiments } from './definitions';

const valid = {
  key: 'a',
  description: 'd',
  variants: [
    { key: 'x', weight: 1, policy: {} },
    { key: 'y', weight: 1, policy: { voteDebounceMs: 0 } },
  ],
  traffic: 0.5,
  primaryMetric: 'engagement',
  plan: { exposuresPerVariant: 100 },
};
const file = (experiments: unknown[]) => JSON.stringify({ version: 1, experiments });

describe('the experiments file', () => {
  it('the shipped experiments.json is valid: vote debounce 300 ms against 0 ms', () => {
    const defs = parseExperiments(readFileSync('experiments.json', 'utf8'), 'experiments.json');
    const debounce = defs.find((d) => d.key === 'vote-debounce')!;
    expect(debounce.variants.map((v) => v.policy.voteDebounceMs)).toEqual([300, 0]);
  });

  it('an absent default file means no experiments; an absent named one stops the start', () => {
    expect(loadExperiments({ path: '/nonexistent/experiments.json', required: false })).toEqual([]);
    expect(() => loadExperiments({ path: '/nonexistent/experiments.json', required: true })).toThrow(ExperimentsFileError);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a wrong version', JSON.stringify({ version: 2, experiments: [] }), /version/],
    ['one variant', file([{ ...valid, variants: [valid.variants[0]] }]), /variants/],
    ['duplicate variant keys', file([{ ...valid, variants: [valid.variants[0], valid.variants[0]] }]), /unique/],
    ['duplicate experiment keys', file([valid, valid]), /unique/],
    ['traffic above 1', file([{ ...valid, traffic: 1.5 }]), /traffic/],
    ['a zero weight', file([{ ...valid, variants: [{ ...valid.variants[0], weight: 0 }, valid.variants[1]] }]), /weight/],
    ['an unknown policy field', file([{ ...valid, variants: [{ ...valid.variants[0], policy: { liveEnabled: false } }, valid.variants[1]] }]), /policy/],
    ['a debounce beyond 5 s', file([{ ...valid, variants: [{ ...valid.variants[0], policy: { voteDebounceMs: 60_000 } }, valid.variants[1]] }]), /voteDebounceMs/],
    ['four retries', file([{ ...valid, variants: [{ ...valid.variants[0], policy: { retryDelaysMs: [1, 2, 3, 4] } }, valid.variants[1]] }]), /retryDelaysMs/],
    ['an unknown metric', file([{ ...valid, primaryMetric: 'revenue' }]), /primaryMetric/],
    ['a key with capitals', file([{ ...valid, key: 'Vote' }]), /key/],
    ['a bad date', file([{ ...valid, startAt: 'tomorrow' }]), /startAt/],
  ])('refuses %s, naming the problem', (_name, text, problem) => {
    expect(() => parseExperiments(text, 'x.json')).toThrow(ExperimentsFileError);
    expect(() => parseExperiments(text, 'x.json')).toThrow(problem);
  });
});

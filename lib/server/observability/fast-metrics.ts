import type { Registry } from 'prom-client';

/**
 * A counter and a histogram for the per-request paths. prom-client's own label children still build
 * a label key string (and a labels object, for histograms) on every call; these children hold their
 * numbers directly, so an observation is a bucket scan and a few additions, with no allocation. The
 * registry reads them only when scraped, through the same `get()` shape prom-client's metrics have
 * (so text exposition and cluster aggregation work unchanged).
 */

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}
interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

interface Spec {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

const labelsOf = (names: readonly string[], values: readonly string[]): Labels =>
  Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));

/** Children by their label values, created once per combination. */
abstract class FastMetric<C> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly children = new Map<string, { labels: Labels; child: C }>();

  constructor(protected readonly spec: Spec) {
    this.name = spec.name;
    this.help = spec.help;
    for (const r of spec.registers) r.registerMetric(this as never);
  }

  protected abstract make(): C;

  /** The child for these label values (in labelNames order); keep it, it is the cheap handle. */
  child(...values: string[]): C {
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (!entry) this.children.set(key, (entry = { labels: labelsOf(this.spec.labelNames, values), child: this.make() }));
    return entry.child;
  }

  protected abstract samples(labels: Labels, child: C): Sample[];

  get(): MetricData {
    const values: Sample[] = [];
    for (const { labels, child } of this.children.values()) values.push(...this.samples(labels, child));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

export interface CounterChild {
  inc(by?: number): void;
  readonly value: number;
}

export class FastCounter extends FastMetric<CounterChild> {
  readonly type = 'counter';
  protected make(): CounterChild {
    const c = {
      value: 0,
      inc(by = 1) {
        c.value += by;
      },
    };
    return c;
  }
  protected samples(labels: Labels, child: CounterChild): Sample[] {
    return [{ labels, value: child.value }];
  }
}

export interface HistogramChild {
  observe(value: number): void;
}

interface HistogramState extends HistogramChild {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram extends FastMetric<HistogramState> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(spec: Spec & { buckets: readonly number[] }) {
    super(spec);
    this.bounds = [...spec.buckets].sort((a, b) => a - b);
  }

  protected make(): HistogramState {
    const bounds = this.bounds;
    const state: HistogramState = {
      // One slot per bound plus +Inf; cumulated only when scraped.
      counts: new Float64Array(bounds.length + 1),
      sum: 0,
      count: 0,
      observe(value) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        state.counts[i]!++;
        state.sum += value;
        state.count++;
      },
    };
    return state;
  }

  protected samples(labels: Labels, s: HistogramState): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += s.counts[i]!;
      out.push({ labels: { le: String(le), ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    out.push({ labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${this.name}_bucket` });
    out.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
    out.push({ labels, value: s.count, metricName: `${this.name}_count` });
    return out;
  }
}

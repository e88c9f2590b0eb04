'use client';

import { useCallback, useEffect, useState } from 'react';
import type { ExperimentSummary } from '@/lib/contracts/experiments';

type Comparison = ExperimentSummary['variants'][number]['comparisons'][number];
type Action = 'start' | 'pause' | 'stop';

/** The open-ended latency bucket (lib/server/domain/experiments/outcomes.ts). */
const OPEN_BUCKET_MS = 2_147_483_647;
const METRIC_LABELS: Record<string, string> = {
  engagement: 'Engagement (acknowledged writes per exposed session)',
  rollback_ratio: 'Rollback ratio',
  retries_per_operation: 'Retries per operation',
  ack_latency: 'Click to acknowledgement p50',
};

const fixed = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
const latency = (v: number | null) => (v === null ? '–' : v >= OPEN_BUCKET_MS ? 'over 10,000 ms' : `≤ ${v.toLocaleString('en')} ms`);
const pValue = (p: number | null) => (p === null ? 'not tested' : p < 0.001 ? '< 0.001' : p.toFixed(3));
const interval = (i: [number, number] | null, f: (v: number) => string) => (i === null ? '' : ` [${f(i[0])}, ${f(i[1])}]`);

/** A value of the metric as shown: rates in %, latency in ms, means with 3 decimals. */
function value(metric: string, v: number): string {
  if (metric === 'rollback_ratio') return pct(v);
  if (metric === 'ack_latency') return latency(v);
  return fixed(v);
}
function lift(metric: string, v: number): string {
  if (metric === 'rollback_ratio') return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pp`;
  if (metric === 'ack_latency') return `${v >= 0 ? '+' : ''}${Math.round(v).toLocaleString('en')} ms`;
  return `${v >= 0 ? '+' : ''}${fixed(v)}`;
}
const relative = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`;

function ComparisonTable({ control, variant, rows }: { control: string; variant: string; rows: Comparison[] }) {
  if (rows.length === 0) return <p className="ec-empty">No outcomes of {variant} or {control} yet.</p>;
  return (
    <div className="ec-exp__scroll" tabIndex={0} role="group" aria-label={`${variant} against ${control}`}>
      <table className="ec-dash__grid" data-comparison={variant}>
        <caption className="ec-visually-hidden">{`${variant} against the control ${control}, with 95 % intervals`}</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">{control} (control)</th>
            <th scope="col">{variant}</th>
            <th scope="col">Lift [95 % interval]</th>
            <th scope="col">Relative lift [95 % interval]</th>
            <th scope="col">p-value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.metric} data-metric={c.metric}>
              <th scope="row">{METRIC_LABELS[c.metric] ?? c.metric}</th>
              <td>{value(c.metric, c.control)}</td>
              <td>{value(c.metric, c.treatment)}</td>
              <td>
                {lift(c.metric, c.absoluteLift)}
                {interval(c.absoluteInterval, (v) => lift(c.metric, v))}
              </td>
              <td>{c.relativeLift === null ? '–' : `${relative(c.relativeLift)}${interval(c.relativeInterval, relative)}`}</td>
              <td data-p-value>{pValue(c.pValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Verdict({ e }: { e: ExperimentSummary }) {
  const smallest = Math.min(...e.variants.map((v) => v.exposures));
  if (e.srm.mismatch) {
    return (
      <p role="alert" className="ec-alert" data-testid={`srm-${e.key}`}>
        Sample-ratio mismatch: the exposures do not match the weights (χ² = {fixed(e.srm.chiSquare, 2)}, p = {pValue(e.srm.pValue)}). The split or the exposure
        logging is broken; do not trust these results.
      </p>
    );
  }
  return (
    <p data-testid={`verdict-${e.key}`}>
      {e.conclusive
        ? `Conclusive: every variant reached the planned ${e.plannedExposuresPerVariant.toLocaleString('en')} exposures. `
        : `Not yet conclusive: ${smallest.toLocaleString('en')} of the planned ${e.plannedExposuresPerVariant.toLocaleString('en')} exposures per variant (smallest variant). Do not act on the p-values before then. `}
      Sample ratio: p = {pValue(e.srm.pValue)}, no mismatch.
    </p>
  );
}

function Experiment({ e, act, busy }: { e: ExperimentSummary; act: (key: string, action: Action) => void; busy: boolean }) {
  const control = e.variants[0]!;
  const actions: { action: Action; label: string; allowed: boolean }[] = [
    { action: 'start', label: e.status === 'paused' ? 'Resume' : 'Start', allowed: e.status === 'draft' || e.status === 'paused' },
    { action: 'pause', label: 'Pause', allowed: e.status === 'running' },
    { action: 'stop', label: 'Stop for good', allowed: e.status !== 'stopped' },
  ];
  const headingId = `exp-${e.key}-h`;
  return (
    <section className="ec-exp" aria-labelledby={headingId} data-experiment={e.key} data-status={e.status}>
      <h3 id={headingId}>{e.key}</h3>
      <p className="ec-muted">{e.description}</p>
      <p data-testid={`status-${e.key}`}>
        Status: <strong>{e.status}</strong>
        {e.status === 'running' && !e.active && ' (outside its start/stop window)'} · traffic {pct(e.traffic)} · primary metric{' '}
        {METRIC_LABELS[e.primaryMetric] ?? e.primaryMetric}
        {e.startedAt && ` · started ${e.startedAt.slice(0, 16).replace('T', ' ')} UTC`}
      </p>
      <div className="ec-dash__ranges">
        {actions
          .filter((a) => a.allowed)
          .map((a) => (
            <button key={a.action} type="button" className="ec-button" disabled={busy} onClick={() => act(e.key, a.action)}>
              {a.label}
              <span className="ec-visually-hidden"> {e.key}</span>
            </button>
          ))}
      </div>
      <Verdict e={e} />
      <div className="ec-exp__scroll" tabIndex={0} role="group" aria-label={`Variants of ${e.key}`}>
        <table className="ec-dash__grid">
          <caption className="ec-visually-hidden">{`Variants of ${e.key}: weights, exposures and outcomes per exposed session`}</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Weight</th>
              <th scope="col">Exposures</th>
              <th scope="col">Writes per session</th>
              <th scope="col">Operations</th>
              <th scope="col">Rolled back</th>
              <th scope="col">Retries per op</th>
              <th scope="col">Ack p50</th>
              <th scope="col">Ack p95</th>
            </tr>
          </thead>
          <tbody>
            {e.variants.map((v, i) => (
              <tr key={v.key} data-variant={v.key}>
                <th scope="row">
                  {v.key}
                  {i === 0 && ' (control)'}
                </th>
                <td>{v.weight}</td>
                <td data-exposures>{v.exposures.toLocaleString('en')}</td>
                <td data-engagement>{fixed(v.engagement.total)}</td>
                <td data-operations>{v.operations.toLocaleString('en')}</td>
                <td>{pct(v.rollbackRatio)}</td>
                <td>{v.retriesPerOperation === null ? '–' : fixed(v.retriesPerOperation)}</td>
                <td>{latency(v.ackLatencyMs.p50)}</td>
                <td>{latency(v.ackLatencyMs.p95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {e.variants.slice(1).map((v) => (
        <ComparisonTable key={v.key} control={control.key} variant={v.key} rows={v.comparisons} />
      ))}
    </section>
  );
}

async function readExperiments(): Promise<{ experiments: ExperimentSummary[] } | { error: string }> {
  const res = await fetch('/api/admin/experiments', { cache: 'no-store' }).catch(() => null);
  if (!res?.ok) return { error: res ? `The experiments could not be read (${res.status}).` : 'The server could not be reached.' };
  return (await res.json()) as { experiments: ExperimentSummary[] };
}

/**
 * /dashboard's experiments panel (docs/EXPERIMENTS.md): per experiment its state, variants,
 * exposures, outcomes with 95 % intervals, lifts, p-values, the sample-ratio check and the plan.
 * Read from GET /api/admin/experiments every 10 s and after each action.
 */
export function ExperimentsPanel() {
  const [experiments, setExperiments] = useState<ExperimentSummary[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = useCallback((r: { experiments: ExperimentSummary[] } | { error: string }) => {
    if ('error' in r) setMessage(r.error);
    else setExperiments(r.experiments);
  }, []);

  useEffect(() => {
    let gone = false;
    const load = () =>
      readExperiments().then((r) => {
        if (!gone) apply(r);
      });
    void load();
    const timer = window.setInterval(() => void load(), 10_000);
    return () => {
      gone = true;
      window.clearInterval(timer);
    };
  }, [apply]);

  const act = useCallback(
    async (key: string, action: Action) => {
      setBusy(true);
      const res = await fetch(`/api/admin/experiments/${encodeURIComponent(key)}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }).catch(() => null);
      const body = (await res?.json().catch(() => null)) as { error?: { message?: string } } | null;
      setMessage(res?.ok ? `${key}: ${action === 'start' ? 'running' : action === 'pause' ? 'paused' : 'stopped'}.` : (body?.error?.message ?? 'The action failed.'));
      apply(await readExperiments());
      setBusy(false);
    },
    [apply],
  );

  return (
    <section className="ec-panel ec-dash__panel ec-dash__panel--wide" aria-labelledby="experiments-h" data-panel="experiments">
      <div className="ec-dash__panel-head">
        <h2 id="experiments-h">Experiments</h2>
      </div>
      <p role="status" className="ec-muted">
        {message ?? ''}
      </p>
      {experiments === null ? (
        <p className="ec-muted">Loading…</p>
      ) : experiments.length === 0 ? (
        <p className="ec-empty">No experiments are defined (experiments.json).</p>
      ) : (
        experiments.map((e) => <Experiment key={e.key} e={e} act={(k, a) => void act(k, a)} busy={busy} />)
      )}
    </section>
  );
}

'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { DashboardExpose, DashboardSnapshot, EngagementSeries } from '@/lib/contracts/dashboard';
import type { ChartSeries } from './TimeChart';
import { downloadCsv } from './csv';
import { ExperimentsPanel } from './ExperimentsPanel';

// uPlot and its CSS load only here, after the page is up: nothing of it is in the feed's bundle.
const TimeChart = dynamic(() => import('./TimeChart'), { ssr: false, loading: () => <div className="ec-chart ec-muted">Loading chart…</div> });

type Range = 'hour' | 'day' | 'month';
const RANGES: { key: Range; label: string; unit: string }[] = [
  { key: 'hour', label: 'Last hour', unit: 'events / minute' },
  { key: 'day', label: '24 hours', unit: 'events / 5 minutes' },
  { key: 'month', label: '30 days', unit: 'events / hour' },
];
const EVENT_TYPES = [
  { key: 'views', label: 'Views', colorVar: '--ec-brand' },
  { key: 'upvotes', label: 'Upvotes (net)', colorVar: '--ec-up' },
  { key: 'downvotes', label: 'Downvotes (net)', colorVar: '--ec-down' },
  { key: 'shares', label: 'Shares', colorVar: '--ec-accent' },
  { key: 'comments', label: 'Comments', colorVar: '--ec-focus' },
] as const;

type Status = { kind: 'loading' } | { kind: 'live' } | { kind: 'reconnecting' } | { kind: 'denied'; message: string } | { kind: 'error'; message: string };

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const timeLabel = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)} %`);
const ms = (v: number | null) => (v === null ? '–' : `${v.toLocaleString('en')} ms`);
const num = (v: number | null) => (v === null ? '–' : v.toLocaleString('en'));

function Panel({ id, title, csv, children, wide }: { id: string; title: string; csv?: () => void; children: ReactNode; wide?: boolean }) {
  return (
    <section className={`ec-panel ec-dash__panel${wide ? ' ec-dash__panel--wide' : ''}`} aria-labelledby={`${id}-h`} data-panel={id}>
      <div className="ec-dash__panel-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {csv && (
          <button type="button" className="ec-button" onClick={csv}>
            Export CSV<span className="ec-visually-hidden"> of {title}</span>
          </button>
        )}
      </div>
      {children}
    </section>
  );
}

function Tiles({ items }: { items: { label: string; value: string; testid: string }[] }) {
  return (
    <dl className="ec-dash__tiles">
      {items.map((i) => (
        <div key={i.testid} className="ec-dash__tile">
          <dt>{i.label}</dt>
          <dd data-testid={i.testid}>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The chart, its legend with totals, and the same numbers as a table (for screen readers and keyboards). */
function SeriesView({ title, series, unit, empty }: { title: string; series: EngagementSeries; unit: string; empty: string }) {
  const chartSeries = useMemo<ChartSeries[]>(() => EVENT_TYPES.map((e) => ({ label: e.label, colorVar: e.colorVar, values: series[e.key] })), [series]);
  const hasData = EVENT_TYPES.some((e) => series[e.key].some((v) => v !== 0));
  const rows = series.t.map((t, i) => ({ t, values: EVENT_TYPES.map((e) => series[e.key][i] ?? 0) })).filter((r) => r.values.some((v) => v !== 0));
  return (
    <>
      <ul className="ec-dash__legend" aria-label={`${title}: totals`}>
        {EVENT_TYPES.map((e) => (
          <li key={e.key}>
            <span className="ec-dash__swatch" style={{ background: `var(${e.colorVar})` }} aria-hidden="true" />
            {e.label}: <strong data-legend={e.key}>{sum(series[e.key]).toLocaleString('en')}</strong>
          </li>
        ))}
      </ul>
      {hasData ? <TimeChart t={series.t} series={chartSeries} yLabel={unit} title={title} /> : <p className="ec-empty">{empty}</p>}
      <details className="ec-dash__table">
        <summary>Table of {title.toLowerCase()}</summary>
        {rows.length === 0 ? (
          <p className="ec-muted">No rows.</p>
        ) : (
          <table>
            <caption className="ec-visually-hidden">{`${title} (${unit}), periods with activity`}</caption>
            <thead>
              <tr>
                <th scope="col">Period start</th>
                {EVENT_TYPES.map((e) => (
                  <th scope="col" key={e.key}>
                    {e.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.t}>
                  <th scope="row">{timeLabel(r.t)}</th>
                  {r.values.map((v, i) => (
                    <td key={i}>{v}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </>
  );
}

const seriesCsv = (name: string, s: EngagementSeries) =>
  downloadCsv(
    `${name}.csv`,
    ['period_start_utc', ...EVENT_TYPES.map((e) => e.key)],
    s.t.map((t, i) => [new Date(t * 1000).toISOString(), ...EVENT_TYPES.map((e) => s[e.key][i] ?? 0)]),
  );

function ExposePanel({ exposeId, onClose }: { exposeId: string; onClose: () => void }) {
  const [data, setData] = useState<DashboardExpose | { error: string } | null>(null);
  useEffect(() => {
    let gone = false;
    const load = () =>
      fetch(`/api/dashboard/expose?exposeId=${encodeURIComponent(exposeId)}`, { cache: 'no-store' })
        .then(async (res) => (res.ok ? ((await res.json()) as DashboardExpose) : { error: `Could not load this expose (${res.status}).` }))
        .catch(() => ({ error: 'The server could not be reached.' }))
        .then((d) => {
          if (!gone) setData(d);
        });
    void load();
    const timer = window.setInterval(() => void load(), 10_000);
    return () => {
      gone = true;
      window.clearInterval(timer);
    };
  }, [exposeId]);
  const title = data && 'title' in data ? `Expose: ${data.title}` : `Expose ${exposeId}`;
  return (
    <Panel id="expose" title={title} wide csv={data && 'day' in data ? () => seriesCsv(`expose-${exposeId}-24h`, data.day) : undefined}>
      <p>
        <button type="button" className="ec-button" onClick={onClose}>
          Close expose panel
        </button>{' '}
        <a href={`/expose/${encodeURIComponent(exposeId)}`}>Open the expose</a>
      </p>
      {data === null && <p className="ec-muted">Loading…</p>}
      {data && 'error' in data && <p role="alert">{data.error}</p>}
      {data && 'day' in data && (
        <>
          <SeriesView title="Its last 24 hours" series={data.day} unit="events / 5 minutes" empty="No activity in the last 24 hours." />
          <h3>Count audit</h3>
          {data.audit.length === 0 ? (
            <p className="ec-muted">No writes recorded yet.</p>
          ) : (
            <table className="ec-dash__grid">
              <caption className="ec-visually-hidden">Requests, counted and dropped writes per UTC day and kind</caption>
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Counted</th>
                  <th scope="col">Dropped by reason</th>
                </tr>
              </thead>
              <tbody>
                {data.audit.map((a) => (
                  <tr key={`${a.day}-${a.kind}`}>
                    <th scope="row">{a.day}</th>
                    <td>{a.kind}</td>
                    <td>{a.requests}</td>
                    <td>{a.counted}</td>
                    <td>
                      {Object.entries(a.dropped)
                        .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
                        .join(', ') || 'none'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Panel>
  );
}

function TopTable({ rows, caption, onPick, kind }: { rows: DashboardSnapshot['top']['now']; caption: string; onPick: (id: string) => void; kind: 'now' | 'trending' }) {
  if (rows.length === 0) return <p className="ec-empty">No activity in the last 15 minutes.</p>;
  return (
    <table className="ec-dash__grid" data-top={kind}>
      <caption className="ec-visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Expose</th>
          <th scope="col">Last 15 min</th>
          <th scope="col">Hour before</th>
          <th scope="col">Lift</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            <th scope="row">
              <button type="button" className="ec-linkbutton" onClick={() => onPick(r.id)}>
                {r.title}
              </button>
            </th>
            <td>{r.recent}</td>
            <td>{r.prior}</td>
            <td>{r.lift}×</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Dashboard() {
  const [snapshot, setSnapshot] = useState<DashboardSnapshot | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [range, setRange] = useState<Range>('hour');
  const [exposeId, setExposeId] = useState<string | null>(null);
  const [updates, setUpdates] = useState(0);

  useEffect(() => {
    let source: EventSource | undefined;
    let gone = false;
    const start = async () => {
      // A plain read first: it says whether this browser has admin access, and fills the page at once.
      const res = await fetch('/api/dashboard', { cache: 'no-store' }).catch(() => null);
      if (gone) return;
      if (!res) return setStatus({ kind: 'error', message: 'The server could not be reached.' });
      if (res.status === 401 || res.status === 403) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        return setStatus({ kind: 'denied', message: body?.error?.message ?? 'Admin access is needed.' });
      }
      if (!res.ok) return setStatus({ kind: 'error', message: `The dashboard could not be read (${res.status}).` });
      setSnapshot((await res.json()) as DashboardSnapshot);
      setStatus({ kind: 'live' });
      source = new EventSource('/api/dashboard/stream');
      source.addEventListener('dashboard', (e) => {
        setSnapshot(JSON.parse((e as MessageEvent<string>).data) as DashboardSnapshot);
        setUpdates((n) => n + 1);
        setStatus({ kind: 'live' });
      });
      source.onerror = () => setStatus({ kind: 'reconnecting' });
    };
    void start();
    return () => {
      gone = true;
      source?.close();
    };
  }, []);

  const pick = useCallback((id: string) => setExposeId(id), []);

  if (status.kind === 'denied') {
    return (
      <section className="ec-panel" aria-labelledby="dash-denied">
        <h1 id="dash-denied">Dashboard</h1>
        <p role="alert">{status.message}</p>
        <p>
          <a href="/admin/login">Log in with the admin token</a>
        </p>
      </section>
    );
  }
  if (!snapshot) {
    return (
      <section className="ec-panel">
        <h1>Dashboard</h1>
        <p role={status.kind === 'error' ? 'alert' : 'status'}>{status.kind === 'error' ? status.message : 'Loading…'}</p>
      </section>
    );
  }

  const events = snapshot.events[range];
  const unit = RANGES.find((r) => r.key === range)!.unit;
  const { server, client, vitals } = snapshot;
  return (
    <div className="ec-dash">
      <div className="ec-dash__head">
        <h1>Dashboard</h1>
        <p role="status" className="ec-muted" data-testid="live-status" data-updates={updates}>
          {status.kind === 'reconnecting' ? 'Reconnecting…' : 'Live'} · updated {new Date(snapshot.generatedAt).toLocaleTimeString('en-GB')}
        </p>
      </div>

      <Panel id="events" title="Events" wide csv={() => seriesCsv(`events-${range}`, events)}>
        <div role="group" aria-label="Time range" className="ec-dash__ranges">
          {RANGES.map((r) => (
            <button key={r.key} type="button" className="ec-button" aria-pressed={range === r.key} onClick={() => setRange(r.key)}>
              {r.label}
            </button>
          ))}
        </div>
        <SeriesView title={`Events, ${RANGES.find((r) => r.key === range)!.label.toLowerCase()}`} series={events} unit={unit} empty="No events in this range yet." />
      </Panel>

      {exposeId && <ExposePanel exposeId={exposeId} onClose={() => setExposeId(null)} />}

      <Panel
        id="top"
        title="Top exposes now"
        csv={() => downloadCsv('top-exposes.csv', ['list', 'expose_id', 'title', 'last_15_min', 'hour_before', 'lift'], [
          ...snapshot.top.now.map((r) => ['now', r.id, r.title, r.recent, r.prior, r.lift]),
          ...snapshot.top.trending.map((r) => ['trending', r.id, r.title, r.recent, r.prior, r.lift]),
        ])}
      >
        <TopTable rows={snapshot.top.now} caption="Most active exposes in the last 15 minutes" onPick={pick} kind="now" />
        <h3>Trending</h3>
        <p className="ec-muted">Last 15 minutes against the hour before, per minute.</p>
        <TopTable rows={snapshot.top.trending} caption="Exposes rising fastest" onPick={pick} kind="trending" />
      </Panel>

      <Panel
        id="server"
        title="Server (this instance, since start)"
        csv={() =>
          downloadCsv('server.csv', ['figure', 'value'], [
            ['writes', server.writes],
            ['failed_writes', server.failedWrites],
            ['write_success_ratio', server.writeSuccessRatio ?? ''],
            ['api_requests', server.apiRequests],
            ['api_p50_ms', server.apiP50Ms ?? ''],
            ['api_p95_ms', server.apiP95Ms ?? ''],
            ['api_p99_ms', server.apiP99Ms ?? ''],
            ['open_live_streams', server.openStreams],
            ['fanout_lag_p95_ms', server.fanoutLagP95Ms ?? ''],
          ])
        }
      >
        <Tiles
          items={[
            { label: 'Write success', value: pct(server.writeSuccessRatio), testid: 'write-success' },
            { label: 'Writes', value: num(server.writes), testid: 'writes' },
            { label: 'API p50', value: ms(server.apiP50Ms), testid: 'api-p50' },
            { label: 'API p95', value: ms(server.apiP95Ms), testid: 'api-p95' },
            { label: 'API p99', value: ms(server.apiP99Ms), testid: 'api-p99' },
            { label: 'Open live streams', value: num(server.openStreams), testid: 'open-streams' },
            { label: 'Fan-out lag p95', value: ms(server.fanoutLagP95Ms), testid: 'fanout-lag' },
          ]}
        />
      </Panel>

      <Panel
        id="client"
        title="Browsers (last hour)"
        wide
        csv={() =>
          downloadCsv('client-per-minute.csv', ['minute_start_utc', 'operations', 'acknowledged', 'rolled_back'], client.series.t.map((t, i) => [
            new Date(t * 1000).toISOString(),
            client.series.operations[i] ?? 0,
            client.series.acknowledged[i] ?? 0,
            client.series.rolledBack[i] ?? 0,
          ]))
        }
      >
        <Tiles
          items={[
            { label: 'Operations', value: num(client.operations), testid: 'client-ops' },
            { label: 'Success', value: pct(client.successRatio), testid: 'client-success' },
            { label: 'Retries per operation', value: num(client.retriesPerOperation), testid: 'client-retries' },
            { label: 'Rolled back', value: pct(client.rollbackRatio), testid: 'client-rollback' },
            { label: 'Retries exhausted', value: num(client.exhausted), testid: 'client-exhausted' },
            { label: 'Timeouts', value: num(client.timeouts), testid: 'client-timeouts' },
            { label: 'Click to ack p50', value: ms(client.ackP50Ms), testid: 'client-ack-p50' },
            { label: 'Click to ack p95', value: ms(client.ackP95Ms), testid: 'client-ack-p95' },
            { label: 'Uncaught errors', value: num(client.errors), testid: 'client-errors' },
          ]}
        />
        {client.operations === 0 ? (
          <p className="ec-empty">No browser telemetry in the last hour.</p>
        ) : (
          <TimeChart
            t={client.series.t}
            yLabel="operations / minute"
            title="Browser operations per minute"
            series={[
              { label: 'Operations', colorVar: '--ec-brand', values: client.series.operations },
              { label: 'Acknowledged', colorVar: '--ec-up', values: client.series.acknowledged },
              { label: 'Rolled back', colorVar: '--ec-down', values: client.series.rolledBack },
            ]}
          />
        )}
      </Panel>

      <ExperimentsPanel />

      <Panel
        id="vitals"
        title="Web Vitals p75"
        csv={() => downloadCsv('web-vitals-p75.csv', ['vital', 'p75'], Object.entries(vitals).map(([k, v]) => [k, v ?? '']))}
      >
        <Tiles
          items={[
            { label: 'LCP', value: ms(vitals.LCP), testid: 'vital-lcp' },
            { label: 'INP', value: ms(vitals.INP), testid: 'vital-inp' },
            { label: 'CLS', value: vitals.CLS === null ? '–' : vitals.CLS.toFixed(3), testid: 'vital-cls' },
            { label: 'TTFB', value: ms(vitals.TTFB), testid: 'vital-ttfb' },
            { label: 'FCP', value: ms(vitals.FCP), testid: 'vital-fcp' },
          ]}
        />
      </Panel>

      <Panel id="db" title="Database p95 by statement" csv={() => downloadCsv('database.csv', ['statement', 'calls', 'p95_ms'], server.db.map((d) => [d.query, d.calls, d.p95Ms ?? '']))}>
        {server.db.length === 0 ? (
          <p className="ec-empty">No statements yet.</p>
        ) : (
          <table className="ec-dash__grid">
            <caption className="ec-visually-hidden">95th percentile duration per storage statement, this instance since start</caption>
            <thead>
              <tr>
                <th scope="col">Statement</th>
                <th scope="col">Calls</th>
                <th scope="col">p95</th>
              </tr>
            </thead>
            <tbody>
              {server.db.map((d) => (
                <tr key={d.query}>
                  <th scope="row">{d.query}</th>
                  <td>{d.calls}</td>
                  <td>{ms(d.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}

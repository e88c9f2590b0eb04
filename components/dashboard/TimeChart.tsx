'use client';

import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** A CSS colour variable of globals.css, e.g. `--ec-accent` (resolved at draw time: dark mode follows). */
  colorVar: string;
  values: number[];
}

/**
 * A uPlot time series (this module and uPlot load only when a dashboard chart is shown). The
 * canvas is hidden from assistive technology: every chart has a table next to it. Units: the
 * y axis carries `yLabel`, the x axis is local time.
 */
export default function TimeChart({ t, series, yLabel, title }: { t: number[]; series: ChartSeries[]; yLabel: string; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | undefined;
    let cancelled = false;
    const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
    const draw = async () => {
      const { default: UPlot } = await import('uplot');
      if (cancelled) return;
      plot?.destroy();
      const ink = css('--ec-muted');
      const grid = css('--ec-line');
      const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      plot = new UPlot(
        {
          width: Math.max(280, el.clientWidth),
          height: 220,
          title,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [
            { ...axis, label: 'time (local)' },
            { ...axis, label: yLabel, size: 60 },
          ],
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: css(s.colorVar), width: 2, points: { show: false } }))],
        },
        [t, ...series.map((s) => s.values)],
        el,
      );
      plot.root.setAttribute('aria-hidden', 'true');
    };
    void draw();
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    // Dark/light switch: redraw with the other palette.
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const redraw = () => void draw();
    scheme.addEventListener('change', redraw);
    return () => {
      cancelled = true;
      resize.disconnect();
      scheme.removeEventListener('change', redraw);
      plot?.destroy();
    };
  }, [t, series, yLabel, title]);
  return <div ref={box} className="ec-chart" data-chart={title} />;
}

/**
 * A uPlot time-series chart for check results and live graphs. Browser only, loaded lazily with the
 * component that uses it. The chart is rebuilt when the set of series changes and only fed new data
 * otherwise, so a polling graph does not flicker.
 */
import { useEffect, useEffectEvent, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import styles from './SeriesChart.module.css';
import type { AlignedSeries } from './alignSeries.ts';
import { formatLegends, seriesName } from '../../protocol/legend.ts';
import { DEFAULT_CHART_HEIGHT, seriesColor } from './chartTheme.ts';

export interface SeriesChartProps {
  data: AlignedSeries;
  /** Grafana-style legend template, e.g. `{{service}}`; default: the Prometheus series name. */
  legend?: string;
  /** One name per series, given instead of `legend` (a dashboard panel names each query's series by its own legend). */
  names?: readonly string[];
  /** Plot height in CSS pixels (the legend adds to it). */
  height?: number;
  /** Accessible name of the chart, e.g. "Your result". */
  label: string;
}

/** Before the container has a width (hidden tab, first paint): uPlot needs a positive size. */
const FALLBACK_WIDTH = 400;

export default function SeriesChart({ data, legend, names: given, height = DEFAULT_CHART_HEIGHT, label }: SeriesChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const names = useMemo(() => (given && given.length === data.series.length ? [...given] : formatLegends(legend, data.series.map((s) => s.labels))), [data, legend, given]);
  // Identity of the series set: when it changes the chart is rebuilt (uPlot series are fixed at creation).
  const shape = names.join('\u0000');

  // Reads the latest names and data, but runs only when the effect below does: data updates go through
  // setData, and only a new series set or height rebuilds the chart.
  const createPlot = useEffectEvent((el: HTMLDivElement): uPlot => {
    const opts: uPlot.Options = {
      width: el.clientWidth || FALLBACK_WIDTH,
      height,
      series: [{}, ...names.map((name, i) => ({ label: name, stroke: seriesColor(i), width: 1.5, spanGaps: false, points: { show: false } }))],
      // Axis text and grid take the theme's colour (uPlot draws on canvas, so read it from CSS).
      axes: [{ stroke: axisColor(el), grid: { stroke: gridColor(el) } }, { size: 60, stroke: axisColor(el), grid: { stroke: gridColor(el) } }],
      scales: { x: { time: true } },
      cursor: { drag: { x: false, y: false } },
      // Our own legend below (uPlot's is a <table>, which the site's table styles take apart).
      legend: { show: false },
    };
    return new uPlot(opts, toUplot(data), el);
  });

  useEffect(() => {
    const el = host.current!;
    const p = createPlot(el);
    plot.current = p;
    const resize = new ResizeObserver(() => {
      if (el.clientWidth > 0) p.setSize({ width: el.clientWidth, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(toUplot(data));
  }, [data]);

  return (
    <div className={styles.chart}>
      <div ref={host} role="img" aria-label={`${label}: ${describe(data, names)}`} />
      <ul className={styles.legend} data-testid="chart-legend" aria-hidden="true">
        {names.map((name, i) => (
          <li key={i} title={seriesName(data.series[i]!.labels)}>
            <span className={styles.swatch} style={{ background: seriesColor(i) }} />
            {name}
          </li>
        ))}
      </ul>
    </div>
  );
}

function axisColor(el: HTMLElement): string {
  return getComputedStyle(el).getPropertyValue('--ifm-color-emphasis-800').trim() || '#444';
}

function gridColor(el: HTMLElement): string {
  return getComputedStyle(el).getPropertyValue('--ifm-color-emphasis-200').trim() || '#eee';
}

function toUplot(d: AlignedSeries): uPlot.AlignedData {
  return [d.timestamps, ...d.series.map((s) => s.values)] as uPlot.AlignedData;
}

/** A short text for screen readers: how many series and each one's latest value. */
function describe(d: AlignedSeries, names: string[]): string {
  if (d.series.length === 0) return 'no data';
  const latest = d.series.map((s, i) => {
    for (let j = s.values.length - 1; j >= 0; j--) {
      const v = s.values[j];
      if (v !== null && v !== undefined) return `${names[i]} = ${formatValue(v)}`;
    }
    return `${names[i]} has no samples`;
  });
  return `${d.series.length} series; latest ${latest.join('; ')}`;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(4);
}

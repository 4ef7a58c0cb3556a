/**
 * One chart from the queries of a dashboard panel: each query's range result on one shared time axis,
 * each series named by its own query's legend (protocol/legend.ts' panelLegends, Grafana's modes), so
 * the chart, its legend and a challenge grading the panel agree on the names.
 */
import type { PanelQuery } from '../../protocol/dashboard.ts';
import { panelLegends } from '../../protocol/legend.ts';
import type { AlignedSeries } from '../promql/alignSeries.ts';

export interface QueryResult {
  query: Pick<PanelQuery, 'refId' | 'legendMode' | 'legendFormat'>;
  data: AlignedSeries;
}

export interface PanelSeries {
  data: AlignedSeries;
  /** One per series of `data`. */
  names: string[];
  /** The refId of the query each series came from. */
  refIds: string[];
}

export function panelSeries(results: readonly QueryResult[]): PanelSeries {
  const times = new Set<number>();
  for (const r of results) for (const t of r.data.timestamps) times.add(t);
  // Array.from, not a spread: Babel's loose mode spreads a Set as [Set] (see alignSeries.ts).
  const timestamps = Array.from(times).sort((a, b) => a - b);
  const index = new Map(timestamps.map((t, i) => [t, i] as const));
  const series: AlignedSeries['series'] = [];
  const names: string[] = [];
  const refIds: string[] = [];
  for (const r of results) {
    const legends = panelLegends(r.query.legendMode, r.query.legendFormat, r.data.series.map((s) => s.labels));
    r.data.series.forEach((s, i) => {
      const values: (number | null)[] = new Array(timestamps.length).fill(null);
      r.data.timestamps.forEach((t, j) => {
        values[index.get(t)!] = s.values[j] ?? null;
      });
      series.push({ labels: s.labels, values });
      names.push(legends[i]!);
      refIds.push(r.query.refId);
    });
  }
  return { data: { timestamps, series }, names, refIds };
}

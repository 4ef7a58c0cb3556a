import type { Labels } from './legend.ts';

/** One series of a Prometheus range-query result (`resultType: "matrix"`), as the HTTP API sends it. */
export interface MatrixSeries {
  metric: Labels;
  values: ReadonlyArray<readonly [number, string]>;
}

/**
 * uPlot wants one shared x array and one y array per series, with `null` where a series has no sample.
 * Prometheus sends each series with its own timestamps, so merge them onto the sorted union.
 * Values are strings on the wire ("NaN", "+Inf" included); non-finite values become gaps.
 */
export interface AlignedData {
  xs: number[];
  ys: (number | null)[][];
  labels: Labels[];
}

export function alignSeries(series: readonly MatrixSeries[]): AlignedData {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.values) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i] as const));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const n = Number(v);
      y[index.get(t)!] = Number.isFinite(n) ? n : null;
    }
    return y;
  });
  return { xs, ys, labels: series.map((s) => s.metric) };
}

import type { Labels } from '../../protocol/legend.ts';

/** One series of a Prometheus range-query result (`resultType: "matrix"`), as the HTTP API sends it. */
export interface MatrixSeries {
  metric: Labels;
  values: ReadonlyArray<readonly [number, string]>;
}

/**
 * Series on one shared time axis: uPlot's layout, and the shape of `SeriesSet` in
 * src/protocol/challenges.ts, so live graphs and check results draw with the same chart.
 */
export interface AlignedSeries {
  /** Unix seconds, ascending. */
  timestamps: number[];
  series: { labels: Labels; values: (number | null)[] }[];
}

/**
 * Prometheus sends each series with its own timestamps: merge them onto the sorted union, `null` where a
 * series has no sample. Values are strings on the wire ("NaN", "+Inf" included); non-finite ones become gaps.
 */
export function alignSeries(matrix: readonly MatrixSeries[]): AlignedSeries {
  const times = new Set<number>();
  for (const s of matrix) for (const [t] of s.values) times.add(t);
  // Array.from, not [...times]: Docusaurus compiles browser code with Babel's loose mode, where spreading
  // a Set yields [Set] instead of its values.
  const timestamps = Array.from(times).sort((a, b) => a - b);
  const index = new Map(timestamps.map((t, i) => [t, i] as const));
  const series = matrix.map((s) => {
    const values: (number | null)[] = new Array(timestamps.length).fill(null);
    for (const [t, v] of s.values) {
      const n = Number(v);
      values[index.get(t)!] = Number.isFinite(n) ? n : null;
    }
    return { labels: s.metric, values };
  });
  return { timestamps, series };
}

/** A range-query result bounded for the browser's graphs (uPlot layout: shared timestamps). */
import { ChallengeLimits, type SeriesSet } from '../protocol/challenges.ts';
import type { MatrixSeries, RangeWindow } from './prometheusClient.ts';

export function toSeriesSet(result: MatrixSeries[], window: RangeWindow): SeriesSet {
  const steps = Math.floor((window.end - window.start) / window.step) + 1;
  // Thin the grid when the window has more steps than a graph can show.
  const stride = Math.max(1, Math.ceil(steps / ChallengeLimits.MAX_POINTS_PER_SERIES));
  const timestamps: number[] = [];
  for (let i = 0; i < steps; i += stride) timestamps.push(window.start + i * window.step);
  const index = new Map(timestamps.map((t, i) => [t, i]));
  const kept = result.slice(0, ChallengeLimits.MAX_SERIES_RETURNED);
  return {
    timestamps,
    series: kept.map((s) => {
      const values: (number | null)[] = new Array(timestamps.length).fill(null);
      for (const [t, v] of s.values) {
        const i = index.get(t);
        const n = Number(v);
        if (i !== undefined && Number.isFinite(n)) values[i] = n;
      }
      return { labels: s.metric, values };
    }),
    totalSeries: result.length,
    truncated: result.length > kept.length,
  };
}

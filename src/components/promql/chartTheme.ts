/**
 * How charts look, shared by the chart and its lazy placeholder (which must reserve the same height so
 * the page does not jump when uPlot arrives).
 */

/** Plot height in CSS pixels: tall enough to read a few series, short enough to sit beside text. */
export const DEFAULT_CHART_HEIGHT = 200;

/**
 * Series colours: distinct in light and dark themes and for common colour-vision deficiencies
 * (Okabe–Ito order), repeated when a graph has more series than colours.
 */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#999999'] as const;

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}

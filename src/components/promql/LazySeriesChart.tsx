/**
 * SeriesChart loaded on first use. Both <Challenge> and <MetricsGraph> draw through this one lazy
 * boundary so uPlot sits in a single chunk of its own: shared by the two, never pulled into the bundle
 * of pages that use neither (as a module imported by two chunks would be, by the bundler's "common" split).
 */
import { Suspense, lazy } from 'react';
import type { SeriesChartProps } from './SeriesChart.tsx';
import { DEFAULT_CHART_HEIGHT } from './chartTheme.ts';
import LoadBoundary from './LoadBoundary.tsx';

const SeriesChart = lazy(() => import(/* webpackChunkName: "series-chart" */ './SeriesChart.tsx'));

export default function LazySeriesChart(props: SeriesChartProps) {
  return (
    <LoadBoundary what="the chart">
      <Suspense fallback={<div style={{ height: props.height ?? DEFAULT_CHART_HEIGHT }} aria-busy="true" />}>
        <SeriesChart {...props} />
      </Suspense>
    </LoadBoundary>
  );
}

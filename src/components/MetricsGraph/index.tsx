/**
 * `<MetricsGraph query="…" title="…" legend="{{service}}" window="5m" step="5s" refresh="5s"/>`:
 * a live graph in a lesson (global in MDX). The chart code loads lazily, only on pages that use it.
 */
import { Suspense, lazy } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import LoadBoundary from '../promql/LoadBoundary.tsx';
import styles from './styles.module.css';

const LiveGraph = lazy(() => import('./LiveGraph.tsx'));

export interface MetricsGraphProps {
  query: string;
  title?: string;
  /** Grafana-style legend template, e.g. `{{service}} {{envoy_listener_address}}`. */
  legend?: string;
  /** How far back the graph reaches (Prometheus duration), default 5m. */
  window?: string;
  /** Resolution (Prometheus duration), default window / 150. */
  step?: string;
  /** Poll period (Prometheus duration), default 5s. */
  refresh?: string;
}

export default function MetricsGraph(props: MetricsGraphProps) {
  const placeholder = (
    <figure className={styles.graph}>
      <figcaption className={styles.title}>{props.title ?? props.query}</figcaption>
      <p className={styles.status}>Loading graph…</p>
    </figure>
  );
  return (
    <BrowserOnly fallback={placeholder}>
      {() => (
        <LoadBoundary what="the graph">
          <Suspense fallback={placeholder}>
            <LiveGraph {...props} />
          </Suspense>
        </LoadBoundary>
      )}
    </BrowserOnly>
  );
}

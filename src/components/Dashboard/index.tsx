/**
 * `<Dashboard id="api-connections" title="Your dashboard"/>`: the learner's own dashboard in a lesson
 * (global in MDX). They add panels, each with a title, a time range and queries A, B, … with legends,
 * drawn live from their lab's Prometheus; it is kept per learner on the server (it survives reloads,
 * a reset lab and a new instance) and exports as Grafana dashboard JSON. A lesson's starting panels come
 * from the lab's dashboards.yaml under the same id. This shell is light; the editor and the chart load
 * only on pages that have a dashboard. Other components read a panel through ./dashboardStore.ts.
 */
import { Suspense, lazy } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import LoadBoundary from '../promql/LoadBoundary.tsx';
import styles from './styles.module.css';

const DashboardView = lazy(() => import('./DashboardView.tsx'));

export interface DashboardProps {
  /** The dashboard's id (lowercase letters, digits, dashes): the learner's saved copy and the lab's dashboards.yaml entry go by it. */
  id: string;
  /** A heading above the panels. */
  title?: string;
}

export default function Dashboard({ id, title }: DashboardProps) {
  const loading = <p className={styles.status}>Loading dashboard {id}…</p>;
  return (
    <section className={styles.root} data-dashboard={id} aria-label={title ?? `Dashboard ${id}`}>
      <BrowserOnly fallback={loading}>
        {() => (
          <LoadBoundary what="the dashboard">
            <Suspense fallback={loading}>
              <DashboardView id={id} {...(title !== undefined ? { title } : {})} />
            </Suspense>
          </LoadBoundary>
        )}
      </BrowserOnly>
    </section>
  );
}

/**
 * The learner's dashboard as a Grafana dashboard JSON model (what Grafana's "Import dashboard" takes), so
 * what they built in a lesson opens in a real Grafana against any Prometheus. Pure: the gateway answers
 * GET /api/dashboards/:id/grafana with it, and test/browser/dashboard.test.ts type-checks a real export
 * against @grafana/schema's Dashboard.
 *
 * Grafana's conventions, followed here:
 * - the data source is a dashboard variable `DS_PROMETHEUS` of type `datasource` (query `prometheus`); every
 *   panel and target names it as `${DS_PROMETHEUS}`, so the importer picks their own Prometheus;
 * - one `timeseries` panel per panel, two per row of Grafana's 24-column grid (w 12, h 8);
 * - a query's legend: `__auto` for auto (Grafana's "Auto": only the labels that tell series apart), the
 *   empty string for verbose (Grafana's "Verbose": the full series name), the `{{label}}` template for custom;
 * - the dashboard shows `now-5m` to `now` refreshing every 5 s; a panel with another range gets Grafana's
 *   relative-time override (`timeFrom`);
 * - `$__rate_interval` and the other variables stay as written: Grafana substitutes them itself.
 */
import type { Dashboard, LegendMode, PanelQuery, TimeRange } from './dashboard.ts';

/**
 * Grafana 10.4's dashboard schema version: Grafana migrates older models on load, so 10.4 and every later
 * Grafana (13 included) import this one as it is.
 */
export const GRAFANA_SCHEMA_VERSION = 39;
export const GRAFANA_DATASOURCE_VARIABLE = 'DS_PROMETHEUS';
const DATASOURCE = { type: 'prometheus', uid: `\${${GRAFANA_DATASOURCE_VARIABLE}}` } as const;
const DASHBOARD_RANGE: TimeRange = '5m';
const GRID_COLUMNS = 24;
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

export interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  range: true;
  editorMode: 'code';
  datasource: typeof DATASOURCE;
}

export interface GrafanaPanel {
  id: number;
  type: 'timeseries';
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: typeof DATASOURCE;
  targets: GrafanaTarget[];
  timeFrom?: string;
  fieldConfig: { defaults: Record<string, never>; overrides: [] };
  options: { legend: { showLegend: true; displayMode: 'list'; placement: 'bottom' } };
}

export interface GrafanaDashboardModel {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: true;
  time: { from: string; to: string };
  refresh: string;
  timezone: 'browser';
  templating: { list: [{ name: string; label: string; type: 'datasource'; query: 'prometheus'; refresh: 1; hide: 0 }] };
  annotations: { list: [] };
  panels: GrafanaPanel[];
}

export interface GrafanaExportOptions {
  /** The dashboard's id (protocol/dashboard.ts' ID_PATTERN); its Grafana uid is derived from it. */
  id: string;
  /** The dashboard's title in Grafana; default "Patchbay: <id>". */
  title?: string;
}

/** Grafana's legendFormat for a query (see the module comment). */
export function grafanaLegendFormat(mode: LegendMode, template: string | undefined): string {
  if (mode === 'auto') return '__auto';
  if (mode === 'verbose') return '';
  return template ?? '';
}

export function toGrafanaDashboard(dashboard: Dashboard, options: GrafanaExportOptions): GrafanaDashboardModel {
  return {
    // Grafana's uid is at most 40 characters.
    uid: `patchbay-${options.id}`.slice(0, 40),
    title: options.title ?? `Patchbay: ${options.id}`,
    tags: ['patchbay'],
    schemaVersion: GRAFANA_SCHEMA_VERSION,
    version: dashboard.version,
    editable: true,
    time: { from: `now-${DASHBOARD_RANGE}`, to: 'now' },
    refresh: '5s',
    timezone: 'browser',
    templating: { list: [{ name: GRAFANA_DATASOURCE_VARIABLE, label: 'Prometheus', type: 'datasource', query: 'prometheus', refresh: 1, hide: 0 }] },
    annotations: { list: [] },
    panels: dashboard.panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      gridPos: { x: (i * PANEL_WIDTH) % GRID_COLUMNS, y: Math.floor((i * PANEL_WIDTH) / GRID_COLUMNS) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
      datasource: DATASOURCE,
      targets: p.queries.map(target),
      ...(p.timeRange !== DASHBOARD_RANGE ? { timeFrom: p.timeRange } : {}),
      fieldConfig: { defaults: {}, overrides: [] },
      options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
    })),
  };
}

function target(q: PanelQuery): GrafanaTarget {
  return { refId: q.refId, expr: q.expr, legendFormat: grafanaLegendFormat(q.legendMode, q.legendFormat), range: true, editorMode: 'code', datasource: DATASOURCE };
}

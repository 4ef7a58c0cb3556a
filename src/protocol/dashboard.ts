/**
 * Wire contract of the learner's dashboard (issue #15), shared by the gateway (which keeps dashboards per
 * learner with the progress) and the browser (<Dashboard>, panel challenges). Shapes and bounds only.
 *
 * A dashboard is a list of panels; a panel has a title, a time range and queries A, B, … each with a
 * legend. Legend modes follow Grafana's: `auto` (the labels that tell series apart), `verbose` (the
 * full series name) and `custom` (a `{{label}}` template). Queries may use Grafana's variables
 * (`$__rate_interval`, see ./grafanaVariables.ts).
 *
 * Routes (JSON; errors use ./errors.ts' ApiError):
 * - GET  /api/dashboards/:id           → DashboardResponse (the learner's own, else the lesson's start, else empty)
 * - PUT  /api/dashboards/:id           Dashboard → DashboardResponse (validated against DashboardLimits)
 * - GET  /api/dashboards/:id/grafana   → a Grafana dashboard JSON model (importable into Grafana)
 */

export const DASHBOARDS_PATH = '/api/dashboards';

export function dashboardPath(id: string): string {
  return `${DASHBOARDS_PATH}/${encodeURIComponent(id)}`;
}
export function grafanaExportPath(id: string): string {
  return `${dashboardPath(id)}/grafana`;
}

export const DashboardLimits = {
  MAX_PANELS: 12,
  MAX_QUERIES_PER_PANEL: 8,
  MAX_TITLE_CHARS: 120,
  MAX_LEGEND_CHARS: 200,
  /** The same bound as a challenge answer. */
  MAX_QUERY_CHARS: 4096,
  /** Ids of dashboards (chosen by the lesson author) and panels (generated in the browser). */
  ID_PATTERN: /^[a-z0-9][a-z0-9-]{0,63}$/,
} as const;

export type LegendMode = 'auto' | 'verbose' | 'custom';

export interface PanelQuery {
  /** `A`, `B`, … as in Grafana: unique within the panel. */
  refId: string;
  expr: string;
  legendMode: LegendMode;
  /** The `{{label}}` template when legendMode is `custom`. */
  legendFormat?: string;
}

/** Relative time ranges only (a lab lives minutes to hours): `now-<duration>` to `now`. */
export type TimeRange = '1m' | '5m' | '15m' | '30m' | '1h';
export const TIME_RANGES: readonly TimeRange[] = ['1m', '5m', '15m', '30m', '1h'];

export interface Panel {
  id: string;
  title: string;
  timeRange: TimeRange;
  queries: PanelQuery[];
}

export interface Dashboard {
  /** Grows with each save; a PUT carrying an older version than stored is refused (409), so two tabs never silently overwrite each other. */
  version: number;
  panels: Panel[];
}

export interface DashboardResponse {
  id: string;
  dashboard: Dashboard;
  /** `saved`: the learner's own; `lesson`: the lesson's starting dashboard; `empty`. */
  source: 'saved' | 'lesson' | 'empty';
}

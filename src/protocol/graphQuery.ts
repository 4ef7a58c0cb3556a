/**
 * What a `<MetricsGraph>` asks Prometheus, as a DOM-free function: its attributes resolved to numbers
 * (with a note for each attribute that did not parse, shown under the graph so an author sees the typo in
 * the preview), and the range query for one poll with Grafana's variables substituted. The browser's graph
 * and lesson validation both build their request here, so validation evaluates exactly what the page shows.
 */
import { substituteGrafanaVariables } from './grafanaVariables.ts';
import { parseDuration } from './promqlDuration.ts';

export const GraphDefaults = {
  /** Long enough to see a trend after a few commands, short enough to see each change. */
  WINDOW_SECONDS: 300,
  /** Points per window when no step is given: smooth at graph width, cheap for Prometheus. */
  POINTS_PER_WINDOW: 150,
  /** Below the lab's scrape interval nothing new appears; 1 s is the floor. */
  MIN_STEP_SECONDS: 1,
  /** Poll period: a few seconds keeps the graph "live" while a lab scrapes every 2–5 s. */
  REFRESH_SECONDS: 5,
  /** Never poll faster than this, whatever the author writes. */
  MIN_REFRESH_SECONDS: 1,
} as const;

export interface GraphAttributes {
  window?: string;
  step?: string;
  refresh?: string;
}

export interface GraphSettings {
  windowSeconds: number;
  stepSeconds: number;
  refreshSeconds: number;
  problems: string[];
}

/** An attribute's seconds: a PromQL duration or a plain number of seconds, above zero; else undefined. */
export function graphAttributeSeconds(text: string): number | undefined {
  const s = text.trim();
  const v = /^\d+(\.\d+)?$/.test(s) ? Number(s) : parseDuration(s);
  return v !== null && v > 0 ? v : undefined;
}

export function resolveGraphSettings(a: GraphAttributes): GraphSettings {
  const problems: string[] = [];
  const read = (name: keyof GraphAttributes): number | undefined => {
    const raw = a[name];
    if (raw === undefined) return undefined;
    const v = graphAttributeSeconds(raw);
    if (v === undefined) problems.push(`${name}="${raw}" is not a duration such as 30s or 5m; using the default`);
    return v;
  };
  const windowSeconds = read('window') ?? GraphDefaults.WINDOW_SECONDS;
  const autoStep = Math.max(GraphDefaults.MIN_STEP_SECONDS, Math.ceil(windowSeconds / GraphDefaults.POINTS_PER_WINDOW));
  const stepSeconds = Math.max(GraphDefaults.MIN_STEP_SECONDS, read('step') ?? autoStep);
  const refreshSeconds = Math.max(GraphDefaults.MIN_REFRESH_SECONDS, read('refresh') ?? GraphDefaults.REFRESH_SECONDS);
  return { windowSeconds, stepSeconds, refreshSeconds, problems };
}

/** One poll's range query: what the graph sends to Prometheus' query_range. */
export interface GraphRequest {
  /** The query with Grafana's variables substituted. */
  query: string;
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

/**
 * The request a graph makes at `nowSeconds`: the last `windowSeconds` up to now, at the graph's step, with
 * `$__interval` = the step, `$__range` = the window and `$__rate_interval` from the lab's scrape interval.
 */
export function graphRequest(query: string, settings: Pick<GraphSettings, 'windowSeconds' | 'stepSeconds'>, scrapeSeconds: number, nowSeconds: number): GraphRequest {
  const end = Math.floor(nowSeconds);
  const timing = { scrapeSeconds, intervalSeconds: settings.stepSeconds, rangeSeconds: settings.windowSeconds };
  return { query: substituteGrafanaVariables(query, timing), start: end - settings.windowSeconds, end, stepSeconds: settings.stepSeconds };
}

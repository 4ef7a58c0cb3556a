/**
 * The attributes of <MetricsGraph> resolved to numbers, with defaults and a note for each attribute that
 * did not parse (shown under the graph, so an author sees the typo in the preview).
 */
import { parseDuration } from '../promql/duration.ts';

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

export function resolveGraphSettings(a: GraphAttributes): GraphSettings {
  const problems: string[] = [];
  const read = (name: keyof GraphAttributes): number | undefined => {
    const raw = a[name];
    if (raw === undefined) return undefined;
    const v = parseDuration(raw);
    if (v === undefined) problems.push(`${name}="${raw}" is not a duration such as 30s or 5m; using the default`);
    return v;
  };
  const windowSeconds = read('window') ?? GraphDefaults.WINDOW_SECONDS;
  const autoStep = Math.max(GraphDefaults.MIN_STEP_SECONDS, Math.ceil(windowSeconds / GraphDefaults.POINTS_PER_WINDOW));
  const stepSeconds = Math.max(GraphDefaults.MIN_STEP_SECONDS, read('step') ?? autoStep);
  const refreshSeconds = Math.max(GraphDefaults.MIN_REFRESH_SECONDS, read('refresh') ?? GraphDefaults.REFRESH_SECONDS);
  return { windowSeconds, stepSeconds, refreshSeconds, problems };
}

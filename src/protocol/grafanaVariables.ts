/**
 * Grafana's built-in variables in PromQL, substituted the one way the graphs, the challenges, the checker
 * and lesson validation all use, so a query copied from a dashboard means the same everywhere:
 *
 * - `$__interval`: the graph's step (Grafana: the panel's interval); `$__interval_ms` in milliseconds.
 * - `$__range`: the length of the time range shown or evaluated; `$__range_s` and `$__range_ms` as numbers.
 * - `$__rate_interval`: max(`$__interval` + scrape interval, 4 × scrape interval), Grafana's rule for a
 *   `rate()` range that always holds at least four samples; `$__rate_interval_ms` in milliseconds.
 *
 * Each may be written `$name`, `${name}` or `[[name]]` (Grafana's older form).
 */
import { formatDuration } from './promqlDuration.ts';

export interface GrafanaTiming {
  /** Prometheus' scrape interval for the lab. */
  scrapeSeconds: number;
  /** What `$__interval` stands for (Grafana: the panel's step). */
  intervalSeconds: number;
  /** What `$__range` stands for: the evaluation window's length. */
  rangeSeconds: number;
}

/** Grafana's rule: `$__rate_interval` = max(`$__interval` + scrape interval, 4 × scrape interval). */
export function rateIntervalSeconds(t: GrafanaTiming): number {
  return Math.max(t.intervalSeconds + t.scrapeSeconds, 4 * t.scrapeSeconds);
}

/** Grafana's variables for this timing, keyed by name with its `$`. */
export function grafanaVariables(t: GrafanaTiming): Record<string, string> {
  const rate = rateIntervalSeconds(t);
  return {
    $__rate_interval: formatDuration(rate),
    $__rate_interval_ms: String(Math.round(rate * 1000)),
    $__interval: formatDuration(t.intervalSeconds),
    $__interval_ms: String(Math.round(t.intervalSeconds * 1000)),
    $__range: formatDuration(t.rangeSeconds),
    $__range_s: String(Math.round(t.rangeSeconds)),
    $__range_ms: String(Math.round(t.rangeSeconds * 1000)),
  };
}

// `${name}`, `[[name]]` or `$name`; a bare name runs to the last word character, so `$__interval` never
// matches the front of `$__interval_ms`.
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Replaces each reference to a variable in `variables` (names with or without their `$`) by its value, in
 * one pass (a value is never substituted again). References to other names are left as written.
 */
export function substituteVariables(query: string, variables: Readonly<Record<string, string>>): string {
  const values = new Map(Object.entries(variables).map(([name, value]) => [name.replace(/^\$/, ''), value]));
  return query.replace(REFERENCE, (whole, braced?: string, bracketed?: string, bare?: string) => values.get(braced ?? bracketed ?? bare ?? '') ?? whole);
}

/** Grafana's variables whose value depends on the scrape interval. */
const SCRAPE_DEPENDENT = new Set(['__rate_interval', '__rate_interval_ms']);

/** Whether `query` refers to a variable whose value needs the lab's scrape interval (`$__rate_interval`). */
export function usesScrapeInterval(query: string): boolean {
  // replace() as a scan, as above: the site's build compiles a spread of matchAll's iterator wrongly.
  let found = false;
  query.replace(REFERENCE, (whole, braced?: string, bracketed?: string, bare?: string) => {
    found ||= SCRAPE_DEPENDENT.has(braced ?? bracketed ?? bare ?? '');
    return whole;
  });
  return found;
}

/** `query` with Grafana's variables replaced for this timing. */
export function substituteGrafanaVariables(query: string, timing: GrafanaTiming): string {
  return substituteVariables(query, grafanaVariables(timing));
}

/** The first `$name` or `${name` left in a query after substitution (an unknown variable), or null. */
export function findVariableReference(query: string): { index: number; text: string } | null {
  const m = /\$\{?[A-Za-z_][A-Za-z0-9_]*/.exec(query);
  return m ? { index: m.index, text: m[0] } : null;
}

/** Grafana's variables whose value is a plain number (`$__interval_ms`, `$__range_s`), not a duration. */
const NUMBER_VALUED = /_(ms|s)$/;
const GRAFANA_NAMES = new Set(Object.keys(grafanaVariables({ scrapeSeconds: 1, intervalSeconds: 1, rangeSeconds: 1 })).map((n) => n.slice(1)));

/**
 * `query` with each reference to one of Grafana's variables replaced by a stand-in of the same length and
 * kind (`$__rate_interval` → `999999999999999s`, `$__range_s` → `9999999999`), for a parser that knows no
 * variables (the editor's linter): the text parses as the checker will see it, and every other position,
 * a real error's included, stays where it was typed. Other names are left as written.
 */
export function maskGrafanaVariables(query: string): string {
  return query.replace(REFERENCE, (whole, braced?: string, bracketed?: string, bare?: string) => {
    const name = braced ?? bracketed ?? bare ?? '';
    if (!GRAFANA_NAMES.has(name)) return whole;
    return NUMBER_VALUED.test(name) ? '9'.repeat(whole.length) : `${'9'.repeat(whole.length - 1)}s`;
  });
}

/**
 * PromQL written in definition files (a challenge's reference, must-pass, must-fail and needs queries; a
 * lesson's graphs) checked when the file is read, so `patchbay up`, `patchbay test` and the site build
 * name the line of a query that would never parse: Grafana's variables substituted as the checker does,
 * then the checker's syntax and type check.
 */
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { normalizeQuery } from './normalize.ts';
import { checkSyntax } from './syntax.ts';

/**
 * Timing for Grafana's variables when only syntax matters: the values have to make parsable durations,
 * nothing more (what a check really uses comes from the lab's window at check time).
 */
const SYNTAX_ONLY_TIMING = { scrapeSeconds: 15, intervalSeconds: 15, rangeSeconds: 300 } as const;

export interface QuerySyntaxError {
  message: string;
  /** Offset of the problem in the query as written, when substitution left the text unchanged. */
  offset?: number;
}

/** Why `query` does not parse, or null. `variables` adds to (and overrides) Grafana's. */
export function querySyntaxError(query: string, variables: Readonly<Record<string, string>> = {}): QuerySyntaxError | null {
  const n = normalizeQuery(query, { ...grafanaVariables(SYNTAX_ONLY_TIMING), ...variables });
  const syntax = n.ok ? checkSyntax(n.query) : null;
  const error = !n.ok ? n.error : syntax && !syntax.ok ? syntax.error : null;
  if (!error) return null;
  if (n.query === query) return { message: error.message, ...(error.position && { offset: error.position.offset }) };
  // The position is in the substituted text: show it, so the line and column make sense.
  return { message: n.ok ? `${error.message} (in \`${n.query}\`, after substituting variables)` : error.message };
}

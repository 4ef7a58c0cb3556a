/**
 * Normalising an answer before anything parses or evaluates it: reject what cannot be a query (empty,
 * too long, binary), strip `#` comments, trim, and substitute Grafana's variables with the challenge's
 * values so a query copied from a dashboard works as it did there.
 */
import { ChallengeLimits, type CheckError } from '../protocol/challenges.ts';
import { formatDuration } from './duration.ts';
import { positionAt, caretFor } from './position.ts';

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

export function grafanaVariables(t: GrafanaTiming): Record<string, string> {
  return {
    $__rate_interval: formatDuration(rateIntervalSeconds(t)),
    $__interval: formatDuration(t.intervalSeconds),
    $__range: formatDuration(t.rangeSeconds),
  };
}

export type Normalized = { ok: true; query: string } | { ok: false; query: string; error: CheckError };

// Control characters other than tab, newline and carriage return, plus U+FFFD (what a binary paste decodes to).
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/** Removes `# …` comments outside string literals (PromQL's only comment form). */
export function stripComments(query: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!;
    if (quote) {
      out += ch;
      if (ch === '\\' && quote !== '`' && i + 1 < query.length) out += query[++i];
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      out += ch;
    } else if (ch === '#') {
      while (i + 1 < query.length && query[i + 1] !== '\n') i++;
    } else out += ch;
  }
  return out;
}

/**
 * `variables` maps names (with `$`, also matched as `${name}` and `[[name]]`) to text; longer names are
 * replaced first so `$__interval` does not eat the front of `$__interval_ms`.
 */
export function normalizeQuery(raw: string, variables: Record<string, string>): Normalized {
  if (raw.length > ChallengeLimits.MAX_QUERY_CHARS) {
    return { ok: false, query: '', error: { kind: 'too-long', message: `The answer is ${raw.length} characters long; the limit is ${ChallengeLimits.MAX_QUERY_CHARS}. A PromQL answer here fits in a few lines.` } };
  }
  const bad = BINARY.exec(raw);
  if (bad) {
    const position = positionAt(raw, bad.index);
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, query: '', error: { kind: 'binary', message: `The answer contains a control or binary character (U+${code}) at line ${position.line}, column ${position.column}; paste the query as plain text.`, position } };
  }
  let query = stripComments(raw).trim();
  const names = Object.keys(variables).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const bare = name.replace(/^\$/, '');
    const value = variables[name]!;
    query = query.split(`\${${bare}}`).join(value).split(`[[${bare}]]`).join(value);
    query = query.replace(new RegExp(`\\$${escapeRegExp(bare)}(?![A-Za-z0-9_])`, 'g'), () => value);
  }
  if (query === '') return { ok: false, query, error: { kind: 'empty', message: 'The answer is empty: type a PromQL query.' } };
  const leftover = /\$\{?[A-Za-z_][A-Za-z0-9_]*/.exec(query);
  if (leftover) {
    const position = positionAt(query, leftover.index, leftover[0].length);
    return { ok: false, query, error: { kind: 'syntax', message: `Unknown variable ${leftover[0]}: this challenge defines ${names.join(', ') || 'no variables'}.`, position, caret: caretFor(query, position) } };
  }
  return { ok: true, query };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

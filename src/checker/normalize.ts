/**
 * Normalising an answer before anything parses or evaluates it: reject what cannot be a query (empty,
 * too long, binary, nested too deeply: queryBounds.ts), strip `#` comments, trim, and substitute
 * Grafana's variables with the challenge's values so a query copied from a dashboard works as it did there.
 */
import { ChallengeLimits, type CheckError } from '../protocol/challenges.ts';
import { findVariableReference, substituteVariables } from '../protocol/grafanaVariables.ts';
import { positionAt, caretFor } from './position.ts';
import { queryBoundsError } from './queryBounds.ts';

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
 * `variables` maps names (with or without `$`; also matched as `${name}` and `[[name]]`) to text: Grafana's
 * (src/protocol/grafanaVariables.ts) and the challenge's own.
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
  const query = substituteVariables(stripComments(raw).trim(), variables);
  if (query === '') return { ok: false, query, error: { kind: 'empty', message: 'The answer is empty: type a PromQL query.' } };
  // Before any parser sees it: nesting is what makes parsing slow, not length.
  const tooComplex = queryBoundsError(query);
  if (tooComplex) return { ok: false, query, error: tooComplex };
  const leftover = findVariableReference(query);
  if (leftover) {
    const position = positionAt(query, leftover.index, leftover.text.length);
    const names = Object.keys(variables).map((name) => (name.startsWith('$') ? name : `$${name}`));
    return { ok: false, query, error: { kind: 'syntax', message: `Unknown variable ${leftover.text}: this challenge defines ${names.join(', ') || 'no variables'}.`, position, caret: caretFor(query, position) } };
  }
  return { ok: true, query };
}

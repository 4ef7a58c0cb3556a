/**
 * A cheap, linear scan of an answer before anything parses it: how deep its brackets nest and how long
 * its runs of unary signs are. Both make lezer's and codemirror-promql's work grow far faster than the
 * text (2,000 nested parentheses kept the gateway busy for over 10 s), so they are bounded here, by
 * ChallengeLimits, with the position of the first place over the limit.
 */
import { ChallengeLimits, type CheckError } from '../protocol/challenges.ts';
import { caretFor, positionAt } from './position.ts';

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/** Why `query` (comments already stripped) is too deeply nested to parse, or null. */
export function queryBoundsError(query: string): CheckError | null {
  let depth = 0;
  let signs = 0;
  let quote: string | null = null;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!;
    if (quote) {
      if (ch === '\\' && quote !== '`') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (ch === '+' || ch === '-') {
      // A run of signs: the first may be a binary operator, the rest are unary (or a parse error).
      if (++signs > ChallengeLimits.MAX_UNARY_RUN) return tooComplex(query, i, `more than ${ChallengeLimits.MAX_UNARY_RUN} + or - signs in a row`);
      continue;
    }
    signs = 0;
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (OPEN.has(ch)) {
      if (++depth > ChallengeLimits.MAX_NESTING_DEPTH) return tooComplex(query, i, `brackets nested more than ${ChallengeLimits.MAX_NESTING_DEPTH} deep`);
    } else if (CLOSE.has(ch)) depth = Math.max(0, depth - 1);
  }
  return null;
}

function tooComplex(query: string, offset: number, what: string): CheckError {
  const position = positionAt(query, offset);
  return {
    kind: 'too-complex',
    message: `The answer has ${what} (line ${position.line}, column ${position.column}); a PromQL answer here nests a few levels. Write it flatter.`,
    position,
    caret: caretFor(query, position),
  };
}

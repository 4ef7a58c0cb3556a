/**
 * Syntax and type errors with a position, before anything reaches Prometheus. lezer-promql never
 * throws: it marks error nodes, which we report (including one at the very end, which the editor's
 * linter skips while a user types but a submitted answer must not have). Types come from
 * codemirror-promql's checker, which also runs in Node. Prometheus' own parser stays the final word:
 * see prometheusErrorToCheckError for its `1:5: parse error: …` messages.
 */
import { createRequire } from 'node:module';
import type { Tree } from '@lezer/common';
import type { CheckError } from '../protocol/challenges.ts';
import { caretFor, positionAt } from './position.ts';
import { parseTree } from './queryFacts.ts';

// codemirror-promql's ESM build uses extensionless imports that Node's loader refuses; its CJS build loads.
const require = createRequire(import.meta.url);
interface Diagnostic { from: number; to: number; message: string; severity: string }
const { Parser } = require('@prometheus-io/codemirror-promql/dist/cjs/parser/parser.js') as {
  Parser: new (state: unknown) => { analyze(): void; getDiagnostics(): Diagnostic[] };
};
const { promQLLanguage, LanguageType } = require('@prometheus-io/codemirror-promql/dist/cjs/promql.js') as {
  promQLLanguage: (t: unknown) => unknown;
  LanguageType: { PromQL: unknown };
};
const { EditorState } = require('@codemirror/state') as { EditorState: { create(c: { doc: string; extensions: unknown }): unknown } };
const { ensureSyntaxTree } = require('@codemirror/language') as { ensureSyntaxTree(state: unknown, upto: number, timeout: number): unknown };

/** The editor state parses only ~20 ms' worth at creation (a budget for typing, not for a busy CI
 * machine), so the type checker could see a half-parsed tree and report nonsense; parse fully first. */
const FULL_PARSE_BUDGET_MS = 2_000;

export type SyntaxResult = { ok: true; tree: Tree } | { ok: false; error: CheckError };

export function checkSyntax(query: string): SyntaxResult {
  const tree = parseTree(query);
  let firstError: { from: number; to: number } | null = null;
  tree.iterate({
    enter: (n) => {
      if (firstError) return false;
      if (n.type.isError) firstError = { from: n.from, to: n.to };
      return undefined;
    },
  });
  if (firstError) {
    const { from, to } = firstError as { from: number; to: number };
    const atEnd = from >= query.length;
    const position = positionAt(query, atEnd ? query.length : from, Math.max(1, to - from));
    const found = query.slice(from, Math.max(to, from + 1)).trim();
    const message = atEnd
      ? `The query ends too early at line ${position.line}, column ${position.column}: something is missing (a closing bracket, an operand, or a value).`
      : `Unexpected ${found ? `"${found}"` : 'input'} at line ${position.line}, column ${position.column}.`;
    return { ok: false, error: { kind: 'syntax', message, position, caret: caretFor(query, position) } };
  }
  const state = EditorState.create({ doc: query, extensions: promQLLanguage(LanguageType.PromQL) });
  const full = ensureSyntaxTree(state, query.length, FULL_PARSE_BUDGET_MS);
  // Without a full tree, skip the type check: Prometheus' own parser (format_query) still reports type errors.
  if (!full) return { ok: true, tree };
  const checker = new Parser(state);
  (checker as unknown as { tree: unknown }).tree = full;
  checker.analyze();
  const diag = checker.getDiagnostics().find((d) => d.severity === 'error');
  if (diag) {
    const position = positionAt(query, diag.from, diag.to - diag.from);
    return { ok: false, error: { kind: 'type', message: `${capitalise(diag.message)} (line ${position.line}, column ${position.column}).`, position, caret: caretFor(query, position) } };
  }
  return { ok: true, tree };
}

/** What Prometheus' HTTP API puts before its parser's message (`invalid parameter "query": 1:6: parse error: …`). */
const API_PARAMETER_PREFIX = /^invalid parameter "query": /;

/**
 * Prometheus answers `bad_data` with `1:6: parse error: unexpected …`, behind its API's `invalid parameter
 * "query": ` prefix: line and column are 1-based, the column counted in UTF-8 bytes (Go strings), which
 * differs from our character offsets after a non-ASCII character such as a non-breaking space.
 */
export function prometheusParseError(query: string, message: string): CheckError | null {
  const m = /^(\d+):(\d+): parse error: (.*)$/s.exec(message.replace(API_PARAMETER_PREFIX, ''));
  if (!m) return null;
  const line = Number(m[1]);
  const lines = query.split('\n');
  const column = characterColumn(lines[line - 1] ?? '', Number(m[2]));
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  const position = positionAt(query, offset);
  return { kind: 'syntax', message: `Prometheus: ${m[3]} (line ${line}, column ${column}).`, position, caret: caretFor(query, position) };
}

/** The 1-based character column of a 1-based UTF-8 byte column in `line`. */
function characterColumn(line: string, byteColumn: number): number {
  const encoder = new TextEncoder();
  let bytes = 0;
  let chars = 0;
  for (const ch of line) {
    if (bytes >= byteColumn - 1) break;
    bytes += encoder.encode(ch).length;
    chars += ch.length;
  }
  return chars + 1;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

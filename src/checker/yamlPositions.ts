/**
 * YAML with positions: parse a file keeping its node tree, then turn zod issues (paths into the parsed
 * value) into `file:line:column` errors. Generic: any YAML definition validated with zod can use it.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { offsetOfPath } from '../definitions/yamlPaths.ts';
import type { ZodIssue } from 'zod';

export interface PositionedError {
  file: string;
  line: number;
  column: number;
  /** Dotted path, e.g. `challenges.2.mustFail.0.hint`. */
  path: string;
  message: string;
}

export function formatPositionedError(e: PositionedError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export interface ParsedYaml {
  value: unknown;
  /** 1-based line and column of the node at `path`, or of its nearest existing ancestor. */
  positionOf(path: readonly (string | number)[], preferKey?: boolean): { line: number; column: number };
  errors: PositionedError[];
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: Math.max(1, p.line), column: Math.max(1, p.col) };
  };
  const errors: PositionedError[] = doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0]! }));
  const positionOf = (path: readonly (string | number)[], preferKey = false) => at(offsetOfPath(doc, path, preferKey));
  return { value: doc.errors.length ? undefined : doc.toJS(), positionOf, errors };
}

/** zod issues as positioned errors; an unknown key points at the key itself. */
export function issuesToErrors(issues: ZodIssue[], parsed: ParsedYaml, file: string): PositionedError[] {
  return issues.map((issue) => {
    const unknownKey = issue.code === 'custom' && (issue.params as { unknownKey?: boolean } | undefined)?.unknownKey === true;
    return { file, ...parsed.positionOf(issue.path, unknownKey), path: issue.path.join('.'), message: issue.message };
  });
}

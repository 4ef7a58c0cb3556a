/** Turning an offset in a query into a line/column and a caret a person can read. */
import type { QueryPosition } from '../protocol/challenges.ts';

export function positionAt(text: string, offset: number, length = 1): QueryPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, clamped);
  const line = before.split('\n').length;
  const column = clamped - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, offset: clamped, length: Math.max(1, length) };
}

/** The offending line, then `^~~~` under the problem (one `^` at least, even past the end). */
export function caretFor(text: string, position: QueryPosition): string {
  const line = text.split('\n')[position.line - 1] ?? '';
  const width = Math.max(1, Math.min(position.length, line.length - (position.column - 1)));
  return `${line}\n${' '.repeat(position.column - 1)}^${'~'.repeat(width - 1)}`;
}

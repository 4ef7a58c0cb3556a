/**
 * YAML with positions: a definition file parsed keeping its node tree, so every path into the parsed
 * value has a line and column. Alias expansion is bounded: a hostile file ("billion laughs") or an
 * alias to an anchor that does not exist gives one positioned error, never a stack trace or a hang.
 * Pure (text in, data out): callers read the file.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import type { DefinitionError } from './definitionError.ts';

export const YamlLimits = {
  /**
   * How many aliases one document may expand (the `yaml` library's own default): ample for a file
   * that reuses a block a few times, far below what a hostile file needs to blow up memory.
   */
  MAX_ALIAS_COUNT: 100,
} as const;

export type DefinitionPath = readonly (string | number)[];

/** Where to point for a path: its value (default), its key (`atKey`, e.g. an unknown key), or a
 * character inside a scalar value (`within`, e.g. where a query stops parsing). */
export interface PointAt {
  atKey?: boolean;
  within?: number;
}

export interface YamlSource {
  file: string;
  text: string;
  doc: Document;
  /** The parsed value (built even when the text has errors, so later checks still run); undefined when
   * aliases could not be expanded. */
  value: unknown;
  /** YAML's own errors (syntax, duplicate keys, aliases), positioned, in file order. */
  errors: DefinitionError[];
  positionOf(path: DefinitionPath, at?: PointAt): { line: number; column: number };
  /** An error at `path`, its path written with `formatPath`. */
  errorAt(path: DefinitionPath, message: string, at?: PointAt): DefinitionError;
}

export interface YamlSourceOptions {
  /** How paths are written in messages; default `a.b.0.c`. */
  formatPath?: (path: DefinitionPath) => string;
}

export const dottedPath = (path: DefinitionPath): string => path.join('.');

export function parseYamlSource(text: string, file: string, options: YamlSourceOptions = {}): YamlSource {
  const formatPath = options.formatPath ?? dottedPath;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: Math.max(1, p.line), column: Math.max(1, p.col) };
  };
  const positionOf = (path: DefinitionPath, point: PointAt = {}) => at(offsetOfPath(doc, text, path, point));
  const errors: DefinitionError[] = doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` }));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YamlLimits.MAX_ALIAS_COUNT });
  } catch (err) {
    // toJS throws only for aliases: too many expansions, or an anchor that is not defined before use.
    const alias = culpritAlias(doc, err as Error);
    const where = alias?.range ? at(alias.range[0]) : { line: 1, column: 1 };
    const message = /Excessive alias count/.test((err as Error).message)
      ? `YAML: aliases expand to more than ${YamlLimits.MAX_ALIAS_COUNT} copies (a "billion laughs" file?); write the repeated values out or nest fewer aliases`
      : `YAML: ${(err as Error).message}`;
    errors.push({ file, ...where, path: '', message });
  }
  return {
    file,
    text,
    doc,
    value,
    errors,
    positionOf,
    errorAt: (path, message, point) => ({ file, ...positionOf(path, point), path: formatPath(path), message }),
  };
}

/**
 * The alias to point at: for an unresolved one, the alias naming the missing anchor; for too many
 * expansions, the first alias that expands to the most nodes (where the bomb goes off).
 */
function culpritAlias(doc: Document, err: Error): Alias | null {
  const missing = /Unresolved alias.*: (.+)$/.exec(err.message)?.[1];
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_, node) => void aliases.push(node) });
  if (missing !== undefined) return aliases.find((a) => a.source === missing) ?? aliases[0] ?? null;
  // Sizes are capped so measuring a bomb stays cheap; past the cap they are all "too big" alike.
  const CAP = YamlLimits.MAX_ALIAS_COUNT * 1000;
  const sizes = new Map<Node, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > 64) return CAP;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      let size = sizes.get(target);
      if (size === undefined) {
        size = sizeOf(target, depth + 1);
        sizes.set(target, size);
      }
      return size;
    }
    if (isMap(node) || isSeq(node)) {
      let total = 1;
      for (const item of node.items) {
        total += isPair(item) ? sizeOf(item.key, depth + 1) + sizeOf(item.value, depth + 1) : sizeOf(item, depth + 1);
        if (total >= CAP) return CAP;
      }
      return total;
    }
    return 1;
  };
  let best: Alias | null = null;
  let bestSize = -1;
  for (const a of aliases) {
    const size = sizeOf(a, 0);
    if (size > bestSize) [best, bestSize] = [a, size];
  }
  return best;
}

/**
 * Offset of the node at `path` (of its key, with `atKey`), else of the deepest ancestor that exists.
 * With `within`, the offset of that character of a one-line scalar written as its value is, so an error
 * inside a value (a query that stops parsing) points at the very character.
 */
export function offsetOfPath(doc: Document, text: string, path: DefinitionPath, point: PointAt = {}): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      const key = pair.key as Node;
      if (last && point.atKey) return key.range?.[0] ?? offset;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else return offset;
  }
  if (point.within !== undefined && isScalar(node) && typeof node.value === 'string' && node.range) {
    const source = text.slice(node.range[0], node.range[1]);
    const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    // Only where the source spells the value as is (no escapes, no folding): then offsets agree.
    if (!node.value.includes('\n') && source.slice(quote, quote + node.value.length) === node.value) {
      return node.range[0] + quote + Math.min(point.within, node.value.length);
    }
  }
  return offset;
}

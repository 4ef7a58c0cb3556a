/**
 * Where a value sits in a YAML file: the offset of the node at a path into the parsed value, for
 * `file:line:column` errors. Shared by the definition files that are validated with zod after
 * parsing (lab.yaml in src/lab, challenges.yaml in src/checker).
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

/**
 * Offset of the node at `path` (of its key, with `atKey`, e.g. for an unknown key), else of the
 * deepest ancestor that exists.
 */
export function offsetOfPath(doc: Document, path: readonly (string | number)[], atKey = false): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      const key = pair.key as Node;
      if (last && atKey) return key.range?.[0] ?? offset;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else return offset;
  }
  return offset;
}

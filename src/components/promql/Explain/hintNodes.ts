/**
 * Which node of an explain tree each hint of a check points at. A hint's span is in the check's
 * normalised query; the explain's tree in its own. When both texts are the same (the usual case: the
 * same answer, the same variables) the span finds the smallest node holding it; otherwise the node whose
 * text is the hinted text.
 */
import type { Hint } from '../../../protocol/challenges.ts';
import { nodeAt, type ExplainNode } from '../../../protocol/explain.ts';

/** What the last check said: its normalised query and its hints. */
export interface CheckPointers {
  normalizedQuery: string;
  hints: readonly Hint[];
}

/** Node id → the hints pointing at it. */
export function hintsByNode(root: ExplainNode, explainedQuery: string, check: CheckPointers | undefined): Map<number, Hint[]> {
  const out = new Map<number, Hint[]>();
  if (!check) return out;
  for (const hint of check.hints) {
    if (!hint.span) continue;
    const node = check.normalizedQuery === explainedQuery ? nodeAt(root, hint.span) : byText(root, check.normalizedQuery.slice(hint.span.from, hint.span.to));
    if (!node) continue;
    out.set(node.id, [...(out.get(node.id) ?? []), hint]);
  }
  return out;
}

/** The deepest node whose text holds `text` (a hinted range `5m` is in its range selector's text). */
function byText(root: ExplainNode, text: string): ExplainNode | null {
  if (!root.text.includes(text)) return null;
  for (const child of root.children) {
    const found = byText(child, text);
    if (found) return found;
  }
  return root;
}

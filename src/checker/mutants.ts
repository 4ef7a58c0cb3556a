/**
 * Wrong variants of a reference query that a good challenge must reject: drop each matcher,
 * rate→irate, each range ×¼ and ×5, wrap in sum(), another metric. Lesson validation runs them; a
 * mutant that passes means the data cannot tell the right answer from a wrong one.
 */
import type { SyntaxNode } from '@lezer/common';
import type { RangePolicy } from '../protocol/challenges.ts';
import { closestName } from '../definitions/closest.ts';
import { formatDuration } from '../protocol/promqlDuration.ts';
import { parseTree, queryFacts } from './queryFacts.ts';

export type MutantKind = 'drop-matcher' | 'rate-to-irate' | 'range-quarter' | 'range-times-5' | 'wrap-sum' | 'other-metric';

export interface Mutant {
  kind: MutantKind;
  description: string;
  query: string;
}

export interface MutantOptions {
  scrapeSeconds: number;
  rangePolicy: RangePolicy;
  /** Metric names to pick "another metric" from (the closest existing one); without, that mutant is skipped. */
  metricNames?: readonly string[];
}

function splice(q: string, from: number, to: number, text: string): string {
  return q.slice(0, from) + text + q.slice(to);
}

/** `reference` must be normalised already (variables substituted). */
export function generateMutants(reference: string, options: MutantOptions): Mutant[] {
  const tree = parseTree(reference);
  const facts = queryFacts(reference, tree);
  const out: Mutant[] = [];
  const push = (m: Mutant) => {
    if (m.query !== reference && !out.some((o) => o.query === m.query)) out.push(m);
  };

  for (const sel of facts.selectors) {
    for (const m of sel.matchers) {
      if (m.name === '__name__') continue;
      // Remove the matcher and one adjoining comma; `x{a="b"}` becomes `x{}`, which Prometheus accepts with a name.
      let from = m.from;
      let to = m.to;
      const after = /^\s*,\s*/.exec(reference.slice(to));
      if (after) to += after[0].length;
      else {
        const before = /,\s*$/.exec(reference.slice(0, from));
        if (before) from -= before[0].length;
      }
      if (sel.metric === null && sel.matchers.length === 1) continue;
      const selector = splice(reference.slice(sel.from, sel.to), from - sel.from, to - sel.from, '').replace(/^([^{]+)\{\s*\}$/, '$1');
      const query = splice(reference, sel.from, sel.to, selector);
      push({ kind: 'drop-matcher', description: `drop the matcher ${reference.slice(m.from, m.to)}`, query });
    }
  }
  for (const f of facts.functions.filter((f) => f.name === 'rate')) {
    push({ kind: 'rate-to-irate', description: 'rate() → irate()', query: splice(reference, f.from, f.to, 'irate') });
  }
  // A range mutant the policy accepts (>= 4 × scrape under at-least-4x-scrape) is not wrong; skip it.
  const acceptable = (s: number) => options.rangePolicy === 'at-least-4x-scrape' && s >= 4 * options.scrapeSeconds;
  for (const r of facts.ranges) {
    for (const [kind, factor, label] of [['range-quarter', 0.25, '×¼'], ['range-times-5', 5, '×5']] as const) {
      const seconds = Math.max(0.001, r.seconds * factor);
      if (acceptable(seconds)) continue;
      push({ kind, description: `range ${formatDuration(r.seconds)} ${label} = ${formatDuration(seconds)}`, query: splice(reference, r.from, r.to, formatDuration(seconds)) });
    }
  }
  if (!dropsAllLabels(outermost(tree.topNode))) push({ kind: 'wrap-sum', description: 'wrap in sum()', query: `sum(${reference})` });
  if (options.metricNames) {
    const sel = facts.selectors.find((s) => s.metric !== null && s.metricTo > s.metricFrom);
    if (sel) {
      const other = closestName(sel.metric!, options.metricNames.filter((n) => !facts.selectors.some((s) => s.metric === n)), 1);
      if (other) push({ kind: 'other-metric', description: `${sel.metric} → ${other}`, query: splice(reference, sel.metricFrom, sel.metricTo, other) });
    }
  }
  return out;
}

function outermost(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  while (n && (n.type.name === 'PromQL' || n.type.name === 'ParenExpr' || n.type.name === 'Expr')) {
    let child = n.firstChild;
    while (child && child.type.name !== 'Expr' && !child.type.name.endsWith('Expr') && !child.type.name.endsWith('Selector') && child.type.name !== 'FunctionCall' && child.type.name !== 'NumberLiteral') child = child.nextSibling;
    n = child;
  }
  return n;
}

/** True when the expression always yields one series without labels, so wrapping it in sum() changes nothing. */
function dropsAllLabels(node: SyntaxNode | null): boolean {
  if (!node) return false;
  const name = node.type.name;
  if (name === 'NumberLiteral' || name === 'StringLiteral') return true;
  if (name === 'AggregateExpr') {
    const hasModifier = node.getChild('AggregateModifier') !== null;
    const op = node.firstChild?.firstChild?.type.name ?? '';
    return !hasModifier && !['Topk', 'Bottomk', 'CountValues', 'Quantile'].includes(op) && !['topk', 'bottomk', 'count_values'].includes(op.toLowerCase());
  }
  if (name === 'BinaryExpr') {
    const sides: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.name.endsWith('Expr') || c.type.name.endsWith('Selector') || c.type.name === 'FunctionCall' || c.type.name === 'NumberLiteral') sides.push(c);
    return sides.length === 2 && sides.every((s) => dropsAllLabels(outermost(s)));
  }
  if (name === 'ParenExpr') return dropsAllLabels(outermost(node));
  if (name === 'FunctionCall') {
    const id = node.firstChild;
    const fn = id ? id.firstChild?.type.name ?? '' : '';
    return ['Scalar', 'Time', 'Pi', 'Vector'].includes(fn);
  }
  return false;
}

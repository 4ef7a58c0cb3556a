/**
 * The explain tree of a query: its sub-expressions as nodes, read from the lezer-promql syntax tree
 * (Prometheus 2.42 has no parse endpoint), each with its kind, span and plain words (explainWords.ts).
 * Pure: the evaluation on the learner's lab (series count, a sample) is added by explain.ts.
 *
 * Parentheses are not nodes of their own (the expression inside is); a range selector `x[5m]` is one
 * node, not a selector inside a range. Node names are those of lezer-promql 0.4x (Prometheus 2.x).
 *
 *   const root = buildExplainTree('sum by (job) (rate(x[5m]))', parseTree(...));
 *   root.words // "Sums the series, keeping only the labels `job`: …"
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import type { ExplainNode, ExplainNodeKind } from '../protocol/explain.ts';
import { parseTree, readSelector } from './queryFacts.ts';
import {
  aggregationWords,
  atWords,
  binaryWords,
  functionWords,
  numberWords,
  offsetWords,
  rangeSelectorWords,
  SCALAR_FUNCTIONS,
  selectorWords,
  stringWords,
  subqueryWords,
  unaryWords,
  type Grouping,
  type ValueType,
  type VectorMatching,
} from './explainWords.ts';

const EXPRESSIONS = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberLiteral',
  'OffsetExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);
/** Children of a BinaryExpr that are neither operand nor operator. */
const BINARY_MODIFIERS = new Set(['MatchingModifierClause', 'BoolModifier']);

interface Built {
  node: ExplainNode;
  type: ValueType;
}

/** The explain tree of `query`, or null when it holds no expression (an empty or broken query). */
export function buildExplainTree(query: string, tree: Tree = parseTree(query)): ExplainNode | null {
  const top = tree.topNode;
  const first = expressionChildren(top)[0];
  if (!first) return null;
  const built = build(first, query);
  let id = 0;
  const number = (n: ExplainNode) => {
    n.id = id++;
    n.children.forEach(number);
  };
  number(built.node);
  return built.node;
}

function expressionChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (EXPRESSIONS.has(c.type.name)) out.push(c);
  return out;
}

function child(node: SyntaxNode, name: string): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.name === name) return c;
  return null;
}

function children(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.name === name) out.push(c);
  return out;
}

function make(kind: ExplainNodeKind, node: SyntaxNode, query: string, words: string, kids: ExplainNode[] = []): ExplainNode {
  return { id: 0, kind, text: query.slice(node.from, node.to), span: { from: node.from, to: node.to }, words, children: kids, seriesCount: null, sample: null };
}

function labelsOf(group: SyntaxNode | null, query: string): string[] {
  return group ? children(group, 'LabelName').map((l) => query.slice(l.from, l.to)) : [];
}

function build(node: SyntaxNode, query: string): Built {
  const text = (n: SyntaxNode) => query.slice(n.from, n.to);
  switch (node.type.name) {
    case 'ParenExpr': {
      const inner = expressionChildren(node)[0];
      if (inner) return build(inner, query);
      break;
    }
    case 'VectorSelector':
      return { node: make('selector', node, query, selectorWords(readSelector(node, query))), type: 'vector' };
    case 'MatrixSelector': {
      const vs = child(node, 'VectorSelector');
      const d = child(node, 'Duration');
      const words = vs ? rangeSelectorWords(readSelector(vs, query), d ? text(d) : '?') : 'Selects a range of samples.';
      return { node: make('range-selector', node, query, words), type: 'matrix' };
    }
    case 'SubqueryExpr': {
      const inner = expressionChildren(node)[0];
      const [range, step] = children(node, 'Duration');
      const kids = inner ? [build(inner, query).node] : [];
      return { node: make('subquery', node, query, subqueryWords(range ? text(range) : '?', step ? text(step) : null), kids), type: 'matrix' };
    }
    case 'FunctionCall': {
      const id = child(node, 'FunctionIdentifier');
      const name = id ? text(id) : '?';
      const args = expressionChildren(child(node, 'FunctionCallBody') ?? node).map((a) => build(a, query));
      const range = args.find((a) => a.type === 'matrix');
      const words = functionWords(name, { range: range ? rangeOf(range.node, query) : null, texts: args.map((a) => a.node.text) });
      return { node: make('function', node, query, words, args.map((a) => a.node)), type: SCALAR_FUNCTIONS.has(name) ? 'scalar' : 'vector' };
    }
    case 'AggregateExpr': {
      const op = child(node, 'AggregateOp');
      const mod = child(node, 'AggregateModifier');
      const args = expressionChildren(child(node, 'FunctionCallBody') ?? node).map((a) => build(a, query));
      const grouping: Grouping = { modifier: mod ? (child(mod, 'Without') ? 'without' : 'by') : null, labels: labelsOf(mod && child(mod, 'GroupingLabels'), query) };
      const words = aggregationWords(op ? text(op).toLowerCase() : '?', grouping, args.slice(0, -1).map((a) => a.node.text));
      return { node: make('aggregation', node, query, words, args.map((a) => a.node)), type: 'vector' };
    }
    case 'BinaryExpr': {
      const [l, r] = expressionChildren(node);
      if (!l || !r) break;
      let opNode: SyntaxNode | null = null;
      for (let c = l.nextSibling; c && c.from < r.from; c = c.nextSibling) if (!BINARY_MODIFIERS.has(c.type.name)) opNode = c;
      const op = opNode ? text(opNode) : '?';
      const left = build(l, query);
      const right = build(r, query);
      const words = binaryWords(op, left.type, right.type, child(node, 'BoolModifier') !== null, matchingOf(child(node, 'MatchingModifierClause'), query), { left: left.node.text, right: right.node.text });
      const type: ValueType = left.type === 'scalar' && right.type === 'scalar' ? 'scalar' : 'vector';
      return { node: make('binary', node, query, words, [left.node, right.node]), type };
    }
    case 'UnaryExpr': {
      const inner = expressionChildren(node)[0];
      const op = child(node, 'UnaryOp');
      if (!inner) break;
      const built = build(inner, query);
      return { node: make('unary', node, query, unaryWords(op ? text(op) : '-'), [built.node]), type: built.type };
    }
    case 'OffsetExpr': {
      const inner = expressionChildren(node)[0];
      const d = child(node, 'Duration');
      if (!inner) break;
      const built = build(inner, query);
      return { node: make('offset', node, query, offsetWords(d ? text(d) : '?', child(node, 'Sub') !== null), [built.node]), type: built.type };
    }
    case 'StepInvariantExpr': {
      const [inner, at] = expressionChildren(node);
      const pre = child(node, 'AtModifierPreprocessors');
      if (!inner) break;
      const built = build(inner, query);
      const when = pre ? `${text(pre)}()` : at ? text(at) : '?';
      return { node: make('at', node, query, atWords(when), [built.node]), type: built.type };
    }
    case 'NumberLiteral':
      return { node: make('number', node, query, numberWords(text(node))), type: 'scalar' };
    case 'StringLiteral':
      return { node: make('string', node, query, stringWords(text(node))), type: 'string' };
  }
  return { node: make('function', node, query, 'A part of the query the explain view does not describe yet.'), type: 'vector' };
}

/** The range written in a range selector or subquery node (`x[5m]` → `5m`). */
function rangeOf(node: ExplainNode, query: string): string | null {
  const ranges = [...query.slice(node.span.from, node.span.to).matchAll(/\[\s*([^\]:]+?)\s*(?::[^\]]*)?\]/g)];
  return ranges.at(-1)?.[1] ?? null;
}

function matchingOf(clause: SyntaxNode | null, query: string): VectorMatching {
  if (!clause) return { kind: null, labels: [], group: null, include: [] };
  const groups = children(clause, 'GroupingLabels');
  const kind = child(clause, 'On') ? 'on' : child(clause, 'Ignoring') ? 'ignoring' : null;
  const group = child(clause, 'GroupLeft') ? 'left' : child(clause, 'GroupRight') ? 'right' : null;
  // `on(a) group_left(b)`: the first label list belongs to on/ignoring, the second to the group modifier.
  const first = kind ? groups[0] ?? null : null;
  const second = group ? (kind ? groups[1] : groups[0]) ?? null : null;
  return { kind, labels: labelsOf(first, query), group, include: labelsOf(second, query) };
}

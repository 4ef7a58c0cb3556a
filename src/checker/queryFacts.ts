/**
 * What a query is made of, read from the lezer-promql syntax tree: selectors with their matchers and
 * ranges, functions, aggregations, subqueries. Hints, mutants, range policy and cost guards use this.
 *
 * Node names differ between grammar generations (0.4x for Prometheus 2.x, 0.3xx for 3.x); each role
 * below lists the names of both, so the walk works with either.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode, Tree } from '@lezer/common';
import { parseDuration } from '../protocol/promqlDuration.ts';

const NAMES = {
  vectorSelector: new Set(['VectorSelector']),
  matrixSelector: new Set(['MatrixSelector']),
  subquery: new Set(['SubqueryExpr']),
  metricName: new Set(['Identifier', 'MetricName']),
  labelMatcher: new Set(['LabelMatcher', 'UnquotedLabelMatcher', 'QuotedLabelMatcher']),
  labelName: new Set(['LabelName']),
  matchOp: new Set(['MatchOp', 'EqlSingle', 'Neq', 'EqlRegex', 'NeqRegex']),
  stringLiteral: new Set(['StringLiteral', 'QuotedLabelName']),
  duration: new Set(['Duration', 'DurationExpr', 'NumberDurationLiteralInDurationContext', 'NumberDurationLiteral']),
  functionCall: new Set(['FunctionCall']),
  functionIdentifier: new Set(['FunctionIdentifier']),
  aggregate: new Set(['AggregateExpr']),
  aggregateOp: new Set(['AggregateOp']),
  aggregateModifier: new Set(['AggregateModifier']),
  groupingLabels: new Set(['GroupingLabels']),
} as const;

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Span of the whole matcher in the query, for mutants that drop it. */
  from: number;
  to: number;
}

export interface DurationRef {
  seconds: number;
  from: number;
  to: number;
}

export interface Selector {
  /** Metric name written before the braces, or the value of an `__name__="…"` matcher; null if neither. */
  metric: string | null;
  metricFrom: number;
  metricTo: number;
  matchers: Matcher[];
  /** Range of `x[5m]`, when the selector is one. */
  range: DurationRef | null;
  from: number;
  to: number;
}

export interface FunctionRef {
  name: string;
  from: number;
  to: number;
  /** Span of the whole call, for mutants that wrap or unwrap it. */
  callFrom: number;
  callTo: number;
}

export interface Aggregation {
  op: string;
  modifier: 'by' | 'without' | null;
  labels: string[];
  from: number;
  to: number;
}

export interface Subquery {
  range: DurationRef | null;
  step: DurationRef | null;
}

export interface QueryFacts {
  selectors: Selector[];
  functions: FunctionRef[];
  aggregations: Aggregation[];
  subqueries: Subquery[];
  /** Every range duration (matrix selectors and subquery ranges), for range mutants and policy. */
  ranges: DurationRef[];
}

export function parseTree(query: string): Tree {
  return parser.parse(query);
}

export function queryFacts(query: string, tree: Tree = parseTree(query)): QueryFacts {
  const facts: QueryFacts = { selectors: [], functions: [], aggregations: [], subqueries: [], ranges: [] };
  const text = (n: SyntaxNode): string => query.slice(n.from, n.to);
  const matrixRanges: DurationRef[] = [];
  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    const name = node.type.name;
    if (NAMES.vectorSelector.has(name)) facts.selectors.push(readSelector(node, query));
    else if (NAMES.matrixSelector.has(name)) {
      const d = childDurations(node, query)[0] ?? null;
      if (d) {
        facts.ranges.push(d);
        matrixRanges.push(d);
      }
    } else if (NAMES.subquery.has(name)) {
      const [range, step] = childDurations(node, query);
      facts.subqueries.push({ range: range ?? null, step: step ?? null });
      if (range) facts.ranges.push(range);
    } else if (NAMES.functionCall.has(name)) {
      const id = firstChild(node, NAMES.functionIdentifier);
      if (id) facts.functions.push({ name: text(id), from: id.from, to: id.to, callFrom: node.from, callTo: node.to });
    } else if (NAMES.aggregate.has(name)) {
      const op = firstChild(node, NAMES.aggregateOp);
      const mod = firstChild(node, NAMES.aggregateModifier);
      let modifier: Aggregation['modifier'] = null;
      const labels: string[] = [];
      if (mod) {
        modifier = /^\s*without/i.test(text(mod)) ? 'without' : 'by';
        const group = firstChild(mod, NAMES.groupingLabels);
        for (let c = group?.firstChild; c; c = c.nextSibling) {
          if (NAMES.labelName.has(c.type.name)) labels.push(text(c));
        }
      }
      facts.aggregations.push({ op: op ? text(op).toLowerCase() : '?', modifier, labels, from: node.from, to: node.to });
    }
  } while (cursor.next());
  // The matrix selector's vector selector was recorded first; attach the range to it.
  for (const sel of facts.selectors) {
    const range = matrixRanges.find((r) => r.from > sel.to && /^\s*\[\s*$/.test(query.slice(sel.to, r.from)));
    if (range) sel.range = range;
  }
  return facts;
}

export function readSelector(node: SyntaxNode, query: string): Selector {
  const sel: Selector = { metric: null, metricFrom: node.from, metricTo: node.from, matchers: [], range: null, from: node.from, to: node.to };
  const cursor = node.cursor();
  do {
    const n = cursor.node;
    if (NAMES.metricName.has(n.type.name) && n.parent && NAMES.vectorSelector.has(n.parent.type.name)) {
      sel.metric = query.slice(n.from, n.to);
      sel.metricFrom = n.from;
      sel.metricTo = n.to;
    } else if (NAMES.labelMatcher.has(n.type.name)) {
      const m = readMatcher(n, query);
      if (m) sel.matchers.push(m);
    }
  } while (cursor.next() && cursor.from < node.to);
  const nameMatcher = sel.matchers.find((m) => m.name === '__name__' && m.op === '=');
  if (sel.metric === null && nameMatcher) sel.metric = nameMatcher.value;
  return sel;
}

function readMatcher(node: SyntaxNode, query: string): Matcher | null {
  let name: string | null = null;
  let op: MatchOp | null = null;
  let value: string | null = null;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const t = query.slice(c.from, c.to);
    if (NAMES.labelName.has(c.type.name)) name = t;
    else if (NAMES.matchOp.has(c.type.name)) op = t as MatchOp;
    else if (NAMES.stringLiteral.has(c.type.name)) {
      if (name === null && op === null) name = unquote(t);
      else value = unquote(t);
    }
  }
  return name !== null && op !== null && value !== null ? { name, op, value, from: node.from, to: node.to } : null;
}

function childDurations(node: SyntaxNode, query: string): DurationRef[] {
  const out: DurationRef[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (NAMES.duration.has(c.type.name)) {
      const seconds = parseDuration(query.slice(c.from, c.to));
      if (seconds !== null) out.push({ seconds, from: c.from, to: c.to });
    }
  }
  return out;
}

function firstChild(node: SyntaxNode, names: ReadonlySet<string>): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (names.has(c.type.name)) return c;
  return null;
}

/** Value of a PromQL string literal ("…", '…' with Go escapes, `…` raw). */
export function unquote(literal: string): string {
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === '`') return body;
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{3}|.)/g, (_, e: string) => {
    if (e[0] === 'u' || e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? e;
  });
}

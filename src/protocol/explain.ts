/**
 * Wire contract of the explain view (Prometheus 3's Explain tab, PromLens): the learner's query as a tree
 * of its sub-expressions, each with plain words for what it does and, evaluated on the learner's own lab
 * as an instant query, how many series it gives and one of them. Shared by the gateway
 * (src/server/routes/explain.ts) and the browser (src/components/promql/Explain).
 *
 * - POST /api/explain  ExplainRequest → ExplainResponse. A query that does not parse is answered 200
 *   with `error` (a CheckError with its position and caret, as a check gives) and no tree. More than
 *   MAX_EXPLAINS_PER_SESSION explains in flight for one session: 429 PB_TOO_MANY_CHECKS.
 *
 * Offsets (`span`) are in `normalizedQuery`, the text after comments are stripped and Grafana's variables
 * (`$__rate_interval`, …) substituted as a check does; a hint of a check (Hint.span) uses the same text.
 */
import type { CheckError } from './challenges.ts';

export const EXPLAIN_PATH = '/api/explain';

export const ExplainLimits = {
  /** Explains one session may have in flight: the learner presses Explain, not a script. */
  MAX_EXPLAINS_PER_SESSION: 2,
  /** Sub-expressions evaluated at once for one explain (the lab's Prometheus is shared with checks and graphs). */
  EVALUATION_CONCURRENCY: 4,
  /** Sub-expressions evaluated per explain at most; the rest are listed with their words only. */
  MAX_EVALUATED_NODES: 40,
} as const;

export interface ExplainRequest {
  query: string;
  /** A challenge whose own variables are substituted too, as its check does (so spans match its hints). */
  challenge?: string;
}

export type ExplainNodeKind =
  | 'selector'
  | 'range-selector'
  | 'subquery'
  | 'function'
  | 'aggregation'
  | 'binary'
  | 'unary'
  | 'offset'
  | 'at'
  | 'number'
  | 'string';

/** Offsets into ExplainResponse.normalizedQuery (and CheckResponse.normalizedQuery): [from, to). */
export interface QuerySpan {
  from: number;
  to: number;
}

/** One series of a node's result: its labels, and its value at the evaluation time (the last one in a range). */
export interface ExplainSample {
  labels: Record<string, string>;
  value: string;
  /** For a range (a range selector or subquery): how many samples the series has in it. */
  samples?: number;
}

export interface ExplainNode {
  /** Pre-order index in the tree, from 0 at the root. */
  id: number;
  kind: ExplainNodeKind;
  /** The sub-expression as written (in the normalised query). */
  text: string;
  span: QuerySpan;
  /** Plain words for what this part does. */
  words: string;
  children: ExplainNode[];
  /** What Prometheus returned for it: `vector` (instant), `matrix` (range), `scalar` or `string`; absent when not evaluated. */
  resultType?: 'vector' | 'matrix' | 'scalar' | 'string';
  /** Series in its result (1 for a scalar); null when it was not evaluated or failed. */
  seriesCount: number | null;
  /** One series of the result (the first by labels), or null when it has none. */
  sample: ExplainSample | null;
  /** Why it has no result: Prometheus' error, or why it was not evaluated. */
  error?: string;
}

export interface ExplainResponse {
  /** The query after stripping comments and substituting variables: what `span` offsets refer to. */
  normalizedQuery: string;
  /** Unix seconds at which every node was evaluated. */
  evaluatedAt: number;
  /** The tree; absent when the query does not parse (then `error` says why). */
  root?: ExplainNode;
  error?: CheckError;
  durationMs: number;
}

/** The smallest node whose span contains `span`, or null (what a hint pointing at `span` highlights). */
export function nodeAt(root: ExplainNode, span: QuerySpan): ExplainNode | null {
  if (span.from < root.span.from || span.to > root.span.to) return null;
  for (const child of root.children) {
    const inner = nodeAt(child, span);
    if (inner) return inner;
  }
  return root;
}

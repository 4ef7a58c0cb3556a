/**
 * The part of a check that parses the answer: syntax and types (syntax.ts), then what the query is made
 * of (queryFacts.ts). Its result is plain data, so it can be computed in a worker thread
 * (AnalysisPool.ts) and posted back: the tree itself stays where it was built.
 */
import type { CheckError } from '../protocol/challenges.ts';
import type { ExplainNode } from '../protocol/explain.ts';
import { buildExplainTree } from './explainTree.ts';
import { queryFacts, type QueryFacts } from './queryFacts.ts';
import { checkSyntax } from './syntax.ts';

export type AnalysisResult = { ok: true; facts: QueryFacts } | { ok: false; error: CheckError };

export function analyseQuery(query: string): AnalysisResult {
  const syntax = checkSyntax(query);
  if (!syntax.ok) return { ok: false, error: syntax.error };
  return { ok: true, facts: queryFacts(query, syntax.tree) };
}

/** For the explain view: syntax and types as a check has them, then the tree of sub-expressions (explainTree.ts). */
export type ExplainAnalysis = { ok: true; root: ExplainNode | null } | { ok: false; error: CheckError };

export function analyseForExplain(query: string): ExplainAnalysis {
  const syntax = checkSyntax(query);
  if (!syntax.ok) return { ok: false, error: syntax.error };
  return { ok: true, root: buildExplainTree(query, syntax.tree) };
}

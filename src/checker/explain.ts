/**
 * The explain view of a learner's query: normalise it as a check does (size and nesting bounds, comments,
 * Grafana's variables), build its tree off the main thread within the analysis budget (AnalysisPool's
 * `explain`: syntax, types, then explainTree.ts), and evaluate every sub-expression on the learner's
 * Prometheus as an instant query at one time, a few at once, for its series count and a sample series.
 *
 *   const r = await explainQuery('sum(rate(x[$__rate_interval]))', { prometheus, time, variables });
 *   r.root?.children[0]?.seriesCount // how many series rate(x[…]) gives on this lab
 */
import { ExplainLimits, type ExplainNode, type ExplainResponse, type ExplainSample } from '../protocol/explain.ts';
import type { CheckError } from '../protocol/challenges.ts';
import { sharedAnalysisPool, type AnalysisPool } from './AnalysisPool.ts';
import { Limiter } from './limiter.ts';
import { normalizeQuery } from './normalize.ts';
import type { PrometheusClient, PromResult } from './prometheusClient.ts';

export interface ExplainTarget {
  prometheus: PrometheusClient;
  /** Unix seconds at which every node is evaluated. */
  time: number;
  /** Variables substituted as a check does: Grafana's for the live window, and a challenge's own. */
  variables: Record<string, string>;
  /** Where the tree is built: by default the process's worker pool, off the main thread. */
  analysis?: AnalysisPool;
}

type InstantData =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: [number, string][] }[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

export async function explainQuery(rawQuery: string, target: ExplainTarget): Promise<ExplainResponse> {
  const started = performance.now();
  const done = (normalizedQuery: string, rest: { root?: ExplainNode; error?: CheckError }): ExplainResponse => ({
    normalizedQuery,
    evaluatedAt: target.time,
    ...rest,
    durationMs: Math.round(performance.now() - started),
  });
  const normalized = normalizeQuery(rawQuery, target.variables);
  if (!normalized.ok) return done(normalized.query, { error: normalized.error });
  const query = normalized.query;
  const outcome = await (target.analysis ?? sharedAnalysisPool()).explain(query);
  if (outcome.status === 'timeout') return done(query, { error: { kind: 'timed-out', message: `The query took too long to analyse (more than ${outcome.budgetMs / 1000} s); it was stopped. Write it more simply.` } });
  if (outcome.status === 'busy') return done(query, { error: { kind: 'unavailable', message: 'The checker is busy; try again in a moment.' } });
  if (outcome.status === 'failed') return done(query, { error: { kind: 'unavailable', message: `The checker could not analyse the query: ${outcome.message}` } });
  if (!outcome.result.ok) return done(query, { error: outcome.result.error });
  const root = outcome.result.root;
  if (!root) return done(query, { error: { kind: 'empty', message: 'The query has no expression to explain.' } });
  await evaluateTree(root, target);
  return done(query, { root });
}

/** Fills in each node's result, a few nodes at once; numbers and strings need no Prometheus. */
async function evaluateTree(root: ExplainNode, target: ExplainTarget): Promise<void> {
  const nodes: ExplainNode[] = [];
  const walk = (n: ExplainNode) => {
    nodes.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  const limiter = new Limiter(ExplainLimits.EVALUATION_CONCURRENCY, ExplainLimits.MAX_EVALUATED_NODES);
  let evaluated = 0;
  const work: Promise<void>[] = [];
  for (const node of nodes) {
    if (node.kind === 'number') {
      Object.assign(node, { resultType: 'scalar', seriesCount: 1, sample: { labels: {}, value: node.text } });
      continue;
    }
    if (node.kind === 'string') {
      node.resultType = 'string';
      continue;
    }
    if (++evaluated > ExplainLimits.MAX_EVALUATED_NODES) {
      node.error = `Not evaluated: only the first ${ExplainLimits.MAX_EVALUATED_NODES} parts of a query are.`;
      continue;
    }
    work.push(
      limiter.run(() => instant(target, node.text)).then((r) => {
        if (r.refused) node.error = 'Not evaluated: too many parts at once.';
        else fill(node, r.value);
      }),
    );
  }
  await Promise.all(work);
}

function instant(target: ExplainTarget, query: string): Promise<PromResult<InstantData>> {
  return target.prometheus.call<InstantData>('/api/v1/query', { query, time: String(target.time) });
}

function fill(node: ExplainNode, r: PromResult<InstantData>): void {
  if (!r.ok) {
    node.error = r.fault === 'unavailable' ? `Prometheus is not answering: ${r.message}` : r.message;
    return;
  }
  const data = r.data;
  node.resultType = data.resultType;
  switch (data.resultType) {
    case 'scalar':
      node.seriesCount = 1;
      node.sample = { labels: {}, value: data.result[1] };
      return;
    case 'string':
      node.sample = { labels: {}, value: data.result[1] };
      return;
    case 'vector': {
      node.seriesCount = data.result.length;
      const first = firstByLabels(data.result);
      node.sample = first ? { labels: first.metric, value: first.value[1] } : null;
      return;
    }
    case 'matrix': {
      node.seriesCount = data.result.length;
      const first = firstByLabels(data.result);
      const last = first?.values.at(-1);
      node.sample = first && last ? ({ labels: first.metric, value: last[1], samples: first.values.length } satisfies ExplainSample) : null;
      return;
    }
  }
}

/** The series whose labels sort first, so the sample shown is the same from one explain to the next. */
function firstByLabels<T extends { metric: Record<string, string> }>(series: T[]): T | undefined {
  const key = (s: T) => JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let best: T | undefined;
  let bestKey = '';
  for (const s of series) {
    const k = key(s);
    if (best === undefined || k < bestKey) {
      best = s;
      bestKey = k;
    }
  }
  return best;
}

/**
 * The checker's entry point: `checkAnswer(challenge, query, target)` grades one answer by meaning.
 * Pipeline (promql-checker.md): normalise (size and nesting bounds) → syntax and types (in a worker
 * thread, within a time budget: AnalysisPool.ts) → cost guard → Prometheus' own parse
 * (format_query, which also gives the fast accept) → evaluate reference and answer as range queries over
 * the same window → compare → advisory hints. The same code runs live and offline; only the target differs.
 */
import type { CheckError, CheckResponse, EvaluationWindow } from '../protocol/challenges.ts';
import type { Challenge, ChallengeSet } from './challenges.ts';
import { compareResults } from './compare.ts';
import { formatDuration } from '../protocol/promqlDuration.ts';
import { hintsFor } from './hints.ts';
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { normalizeQuery } from './normalize.ts';
import type { MatrixSeries, PrometheusClient, PromFailure, RangeWindow } from './prometheusClient.ts';
import { queryFacts, type QueryFacts } from './queryFacts.ts';
import { toSeriesSet } from './seriesSet.ts';
import { analyseQuery, type AnalysisResult } from './analysis.ts';
import { sharedAnalysisPool, type AnalysisPool } from './AnalysisPool.ts';
import { prometheusParseError } from './syntax.ts';

export const CheckerGuards = {
  /** Points one subquery may evaluate per step of the outer query: `x[1h:1ms]` is 3.6 million. Lesson
   * subqueries need a few hundred; Prometheus' sample limit would catch it too, but only after work. */
  MAX_SUBQUERY_POINTS: 10_000,
  /** Series an answer may return for comparison: lesson answers have a handful; more is a selector for
   * everything, reported plainly rather than shipped around. */
  MAX_COMPARED_SERIES: 2_000,
  /** How long the metric-name list used for hints is reused before asking Prometheus again. */
  METRIC_NAMES_TTL_MS: 30_000,
} as const;

/** Where and over what time a check evaluates. */
export interface CheckTarget {
  prometheus: PrometheusClient;
  window: RangeWindow;
  scrapeSeconds: number;
  /** Where the answer's syntax and types are analysed: by default the process's worker pool, off the main thread. */
  analysis?: AnalysisPool;
}

export type CheckOutcome = Omit<CheckResponse, 'revealable'>;

/** Live: the last `live.window` before now, ending a couple of scrapes back so both queries see the
 * same samples, aligned to the step so repeated checks evaluate at the same times. */
export function liveWindow(set: Pick<ChallengeSet, 'live' | 'scrapeInterval'>, nowSeconds = Date.now() / 1000): RangeWindow {
  const step = set.live.step;
  const end = Math.floor((nowSeconds - 2 * set.scrapeInterval) / step) * step;
  return { start: end - set.live.window, end, step };
}

export function offlineWindow(set: Pick<ChallengeSet, 'offline'>): RangeWindow {
  return { start: set.offline.start, end: set.offline.end, step: set.offline.step };
}

/** Every variable a challenge's queries may use: Grafana's for this window, then the challenge's own. */
export function variablesFor(challenge: Challenge, window: RangeWindow, scrapeSeconds: number): Record<string, string> {
  return {
    ...grafanaVariables({ scrapeSeconds, intervalSeconds: window.step, rangeSeconds: window.end - window.start }),
    ...challenge.variables,
  };
}

/** The reference after variable substitution, as the checker evaluates it (also what mutants start from). */
export function normalizedReference(challenge: Challenge, window: RangeWindow, scrapeSeconds: number): string {
  const n = normalizeQuery(challenge.reference, variablesFor(challenge, window, scrapeSeconds));
  return n.query;
}

export async function checkAnswer(challenge: Challenge, rawQuery: string, target: CheckTarget): Promise<CheckOutcome> {
  const started = performance.now();
  const { prometheus, window, scrapeSeconds } = target;
  const evaluation: EvaluationWindow = { start: window.start, end: window.end, stepSeconds: window.step };
  const variables = variablesFor(challenge, window, scrapeSeconds);
  const done = (o: Omit<CheckOutcome, 'challengeId' | 'durationMs'>): CheckOutcome => ({ challengeId: challenge.id, ...o, durationMs: Math.round(performance.now() - started) });
  const fail = (normalizedQuery: string, error: CheckError, facts?: QueryFacts, refFacts?: QueryFacts): CheckOutcome => {
    const hints = facts && refFacts ? hintsFor({ answer: facts, reference: refFacts, comparison: null, answerResult: null, expectedResult: null, metricNames: null, scrapeSeconds, rangePolicy: challenge.range, passed: false }).filter((h) => h.id === 'range-too-short') : [];
    return done({ passed: false, normalizedQuery, hints, error, window: evaluation });
  };

  const stat = await staticCheck(rawQuery, variables, target.analysis ?? sharedAnalysisPool());
  if (!stat.ok) return fail(stat.query, stat.error);
  const { query, facts } = stat;

  const reference = normalizeQuery(challenge.reference, variables).query;
  const refFacts = queryFacts(reference);
  const effectiveReference = referenceForPolicy(challenge, reference, refFacts, facts, scrapeSeconds);

  const [formattedAnswer, formattedReference] = await Promise.all([prometheus.formatQuery(query), prometheus.formatQuery(effectiveReference)]);
  if (!formattedAnswer.ok) return fail(query, promError(query, formattedAnswer), facts, refFacts);
  const sameText = formattedReference.ok && formattedReference.data === formattedAnswer.data;

  // The reference itself is right whatever the data; any other answer is graded only on data that can
  // tell it apart, which the challenge's `needs` query vouches for.
  const [expected, answer, evidence] = await Promise.all([
    prometheus.queryRange(effectiveReference, window),
    sameText ? null : prometheus.queryRange(query, window),
    sameText ? null : needsMet(challenge, target, variables),
  ]);
  if (!expected.ok) return fail(query, challengeQueryFailure(challenge, 'reference', expected));
  if (evidence && !evidence.ok) return fail(query, evidence.error);
  const answerResult: MatrixSeries[] = answer === null ? expected.data : answer.ok ? answer.data : [];
  if (answer && !answer.ok) return fail(query, promError(query, answer), facts, refFacts);
  if (answerResult.length > CheckerGuards.MAX_COMPARED_SERIES) {
    return fail(query, { kind: 'too-expensive', message: `Your query returns ${answerResult.length} series; this question expects ${expected.data.length}. Add label filters to select only what it asks about.` }, facts, refFacts);
  }

  // Nothing on either side: any query that selects nothing would look right (a misspelt metric too), so
  // the answer is not graded until the lab has data for it (a lab that has just started, say).
  if (!sameText && expected.data.length === 0 && answerResult.length === 0) return fail(query, noDataYet(window), facts, refFacts);

  const comparison = compareResults(expected.data, answerResult, challenge.ignoreLabels);
  const passed = comparison.equal;
  const metricNames = passed ? null : await metricNamesOf(prometheus);
  const hints = hintsFor({ answer: facts, reference: refFacts, comparison, answerResult, expectedResult: expected.data, metricNames, scrapeSeconds, rangePolicy: challenge.range, passed });
  return done({
    passed,
    normalizedQuery: query,
    hints,
    answer: toSeriesSet(answerResult, window),
    expected: toSeriesSet(expected.data, window),
    window: evaluation,
    ...(sameText ? { sameText: true } : {}),
  });
}

/**
 * Whether the window holds what the challenge needs (its `needs` query returns data there). A challenge
 * without `needs` always has it. Lesson validation asks this before judging must-fail answers.
 */
export async function needsMet(challenge: Challenge, target: CheckTarget, variables = variablesFor(challenge, target.window, target.scrapeSeconds)): Promise<{ ok: true } | { ok: false; error: CheckError }> {
  if (!challenge.needs) return { ok: true };
  const r = await target.prometheus.queryRange(normalizeQuery(challenge.needs.query, variables).query, target.window);
  if (!r.ok) return { ok: false, error: challengeQueryFailure(challenge, 'needs', r) };
  return r.data.length > 0 ? { ok: true } : { ok: false, error: { kind: 'needs-data', message: challenge.needs.message } };
}

function noDataYet(window: RangeWindow): CheckError {
  const minutes = Math.round((window.end - window.start) / 60);
  return {
    kind: 'needs-data',
    message: `Neither your query nor the expected answer has data in the last ${minutes} minute${minutes === 1 ? '' : 's'} of your lab, so a right and a wrong query would look alike. A lab that has just started needs a few scrapes: check again in a few seconds; if this stays, run the lesson's commands above first.`,
  };
}

/** A challenge's own query (reference or needs) failed: the lab is down, or the challenge is wrong. */
function challengeQueryFailure(challenge: Challenge, which: 'reference' | 'needs', f: PromFailure): CheckError {
  if (f.fault === 'unavailable') return { kind: 'unavailable', message: `Prometheus is not answering: ${f.message}` };
  return { kind: 'unavailable', message: `The ${which} query of ${challenge.id} failed (${f.message}); this is a bug in the challenge.` };
}

type StaticOutcome = { ok: true; query: string; facts: QueryFacts } | { ok: false; query: string; error: CheckError };

/**
 * The stages that need no Prometheus: normalise (bounds included), syntax and types, cost guard. The
 * analysis runs in `pool`'s workers within its budget, so no answer holds the gateway's main thread.
 */
async function staticCheck(rawQuery: string, variables: Record<string, string>, pool: AnalysisPool): Promise<StaticOutcome> {
  const normalized = normalizeQuery(rawQuery, variables);
  if (!normalized.ok) return normalized;
  const query = normalized.query;
  const outcome = await pool.analyse(query);
  switch (outcome.status) {
    case 'done':
      return afterAnalysis(query, outcome.result);
    case 'timeout':
      return { ok: false, query, error: { kind: 'timed-out', message: `The query took too long to analyse (more than ${outcome.budgetMs / 1000} s); it was stopped. Check again, or write it more simply.` } };
    case 'busy':
      return { ok: false, query, error: { kind: 'unavailable', message: 'The checker is busy; try again in a moment.' } };
    case 'failed':
      return { ok: false, query, error: { kind: 'unavailable', message: `The checker could not analyse the query: ${outcome.message}` } };
  }
}

/** The same stages in this thread: for a local command (`patchbay check`), where no one else waits. */
function staticCheckHere(rawQuery: string, variables: Record<string, string>): StaticOutcome {
  const normalized = normalizeQuery(rawQuery, variables);
  if (!normalized.ok) return normalized;
  return afterAnalysis(normalized.query, analyseQuery(normalized.query));
}

function afterAnalysis(query: string, analysis: AnalysisResult): StaticOutcome {
  if (!analysis.ok) return { ok: false, query, error: analysis.error };
  const costly = costError(query, analysis.facts);
  return costly ? { ok: false, query, error: costly } : { ok: true, query, facts: analysis.facts };
}

/**
 * The answer's problem found without evaluating it (empty, binary, syntax, type, cost), or null when it
 * must be evaluated. Lets a caller skip starting a Prometheus for an answer that cannot pass.
 */
export function precheckAnswer(challenge: Challenge, rawQuery: string, window: RangeWindow, scrapeSeconds: number): CheckOutcome | null {
  const stat = staticCheckHere(rawQuery, variablesFor(challenge, window, scrapeSeconds));
  if (stat.ok) return null;
  return { challengeId: challenge.id, passed: false, normalizedQuery: stat.query, hints: [], error: stat.error, window: { start: window.start, end: window.end, stepSeconds: window.step }, durationMs: 0 };
}

/**
 * Under `at-least-4x-scrape`, an answer whose ranges are all one duration of at least 4 × scrape is
 * compared with the reference evaluated at that same range; otherwise the reference stands as written.
 */
function referenceForPolicy(challenge: Challenge, reference: string, refFacts: QueryFacts, facts: QueryFacts, scrapeSeconds: number): string {
  if (challenge.range !== 'at-least-4x-scrape') return reference;
  const answerRanges = new Set(facts.ranges.map((r) => r.seconds));
  if (answerRanges.size !== 1) return reference;
  const [seconds] = [...answerRanges] as [number];
  if (seconds < 4 * scrapeSeconds) return reference;
  let out = reference;
  for (const r of [...refFacts.ranges].sort((a, b) => b.from - a.from)) out = out.slice(0, r.from) + formatDuration(seconds) + out.slice(r.to);
  return out;
}

function costError(query: string, facts: QueryFacts): CheckError | null {
  for (const sq of facts.subqueries) {
    if (!sq.range || !sq.step) continue;
    const points = sq.range.seconds / sq.step.seconds;
    if (points > CheckerGuards.MAX_SUBQUERY_POINTS) {
      return {
        kind: 'too-expensive',
        message: `The subquery [${query.slice(sq.range.from, sq.range.to)}:${query.slice(sq.step.from, sq.step.to)}] evaluates ${Math.round(points).toLocaleString('en')} points per step (limit ${CheckerGuards.MAX_SUBQUERY_POINTS.toLocaleString('en')}); use a coarser step or a plain range selector.`,
      };
    }
  }
  return null;
}

function promError(query: string, f: PromFailure): CheckError {
  if (f.fault === 'unavailable') return { kind: 'unavailable', message: `Prometheus is not answering: ${f.message}` };
  const parse = prometheusParseError(query, f.message);
  if (parse) return parse;
  if (f.errorType === 'client_timeout') {
    // Our own deadline: the gateway or Prometheus may just be busy, so it is not held against the answer.
    return { kind: 'timed-out', message: `The query did not finish in time (${f.message}). Check again; if it keeps happening, select fewer series, a shorter range or a coarser subquery step.` };
  }
  if (f.errorType === 'timeout' || /timed out|too many samples/i.test(f.message)) {
    return { kind: 'too-expensive', message: `Prometheus stopped this query: ${f.message}. Select fewer series or a shorter range.` };
  }
  return { kind: 'execution', message: `Prometheus could not evaluate the query: ${f.message}` };
}

const namesCache = new Map<string, { at: number; names: Promise<string[] | null> }>();

async function metricNamesOf(prometheus: PrometheusClient): Promise<string[] | null> {
  const hit = namesCache.get(prometheus.baseUrl);
  if (hit && Date.now() - hit.at < CheckerGuards.METRIC_NAMES_TTL_MS) return hit.names;
  const names = prometheus.labelValues('__name__').then((r) => (r.ok ? r.data : null));
  namesCache.set(prometheus.baseUrl, { at: Date.now(), names });
  return names;
}

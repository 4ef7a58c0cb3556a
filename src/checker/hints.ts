/**
 * Advisory hints: why an answer probably differs from the reference, from comparing the two queries'
 * parts and their results. Hints never decide pass or fail; several may apply, most specific first.
 */
import type { Hint, HintId, RangePolicy } from '../protocol/challenges.ts';
import { closestName } from '../definitions/closest.ts';
import type { Comparison, SeriesDifference } from './compare.ts';
import { formatDuration } from '../protocol/promqlDuration.ts';
import type { MatrixSeries } from './prometheusClient.ts';
import type { QueryFacts, Selector } from './queryFacts.ts';

/** Functions that turn a counter into something meaningful; a bare counter outside them is a mistake. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets', 'delta', 'idelta', 'deriv']);
/** Envoy counters whose names lack `_total` (envoy-stats.md), plus the usual suffix. */
const ENVOY_COUNTER = /_(total|destroy|overflow|connect_fail|max_requests|[1-5]xx|\d{3})$/;

export interface HintInput {
  answer: QueryFacts;
  reference: QueryFacts;
  comparison: Comparison | null;
  answerResult: MatrixSeries[] | null;
  expectedResult: MatrixSeries[] | null;
  /** Metric names Prometheus knows, when it could be asked. */
  metricNames: readonly string[] | null;
  scrapeSeconds: number;
  rangePolicy: RangePolicy;
  passed: boolean;
}

export function isCounterName(metric: string): boolean {
  return ENVOY_COUNTER.test(metric);
}

export function hintsFor(input: HintInput): Hint[] {
  const hints: Hint[] = [];
  const add: Add = (id, message, span) => {
    if (!hints.some((h) => h.id === id && h.message === message)) hints.push({ id, message, ...(span && { span: { from: span.from, to: span.to } }) });
  };
  rangeHints(input, add);
  if (input.passed) return hints.filter((h) => h.id === 'range-fragile');

  const refMetrics = new Set(input.reference.selectors.map((s) => s.metric).filter((m): m is string => m !== null));
  // A reference may select metrics by a `__name__` regex; names it matches are not wrong.
  const refNamePatterns = input.reference.selectors.flatMap((s) => s.matchers.filter((m) => m.name === '__name__' && m.op === '=~').map((m) => anchored(m.value)));
  const isRefMetric = (name: string) => refMetrics.has(name) || refNamePatterns.some((re) => re?.test(name));
  const known = input.metricNames ? new Set(input.metricNames) : null;
  for (const sel of input.answer.selectors) {
    if (sel.metric === null || isRefMetric(sel.metric)) continue;
    if (known && !known.has(sel.metric)) {
      const guess = closestName(sel.metric, known);
      add('wrong-metric', `There is no metric \`${sel.metric}\` in this lab's Prometheus${guess ? `; did you mean \`${guess}\`?` : '.'}`, sel);
    } else add('wrong-metric', `\`${sel.metric}\` is not the metric this question is about.`, sel);
  }
  if (refMetrics.size > 0 && input.answer.selectors.length > 0 && !input.answer.selectors.some((s) => s.metric !== null && isRefMetric(s.metric)) && hints.every((h) => h.id !== 'wrong-metric')) {
    add('wrong-metric', 'Your query does not use the metric this question is about.');
  }

  for (const ref of input.reference.selectors) {
    for (const sel of input.answer.selectors.filter((s) => s.metric === ref.metric)) labelHints(ref, sel, add);
  }
  if (input.comparison) {
    for (const d of labelsSeparatingExtras(input.comparison)) labelDifferenceHint(d, input.answer, add);
  }

  // A hint naming the label an aggregation keeps or drops says more than the general one.
  if (!hints.some((h) => h.id === 'aggregation')) aggregationHints(input, add);
  counterHints(input, add);
  functionHints(input, add);

  const got = input.answerResult;
  if (got && got.length === 0 && (input.expectedResult?.length ?? 0) > 0) add('empty-result', 'Your query returns no data over the evaluation window.');
  if (hints.length === 0 && input.comparison) {
    const c = input.comparison;
    if (c.missing.length && c.extra.length === 0) add('missing-series', `Your result lacks ${c.missing.length} of the expected series, e.g. ${seriesText(c.missing[0]!)}.`);
    else if (c.extra.length && c.missing.length === 0) add('extra-series', `Your result has ${c.extra.length} series too many, e.g. ${seriesText(c.extra[0]!)}.`);
    else if (c.extra.length) add('extra-series', `Your series have different labels: expected e.g. ${seriesText(c.missing[0]!)}, got e.g. ${seriesText(c.extra[0]!)}.`);
    else if (c.differing[0]) add('different-values', differentValues(c.differing[0]));
  }
  return hints;
}

/** `span`: the part of the answer (offsets in its normalised text) the hint is about, for the explain view. */
type Add = (id: HintId, message: string, span?: { from: number; to: number }) => void;

/** A series key as a reader knows it: `{}` is the one series an aggregation without grouping returns. */
function seriesText(key: string): string {
  return key === '{}' ? 'the series without labels' : `\`${key}\``;
}

/** The first sample where a series differs, at one timestamp on both sides (compare.ts pairs by time). */
function differentValues(d: SeriesDifference): string {
  const series = seriesText(d.key);
  if (d.at === null) return `${capitalised(series)} differs: expected ${d.expected}, got ${d.got}.`;
  const at = new Date(d.at * 1000).toISOString();
  if (d.got === null) return `Same series, different samples: at ${at} your query has no value for ${series}, expected ${d.expected}. Does it filter points out?`;
  if (d.expected === null) return `Same series, different samples: at ${at} your query has ${d.got} for ${series}, where the expected result has no value.`;
  return `Same series, different values: at ${at} ${series} is ${d.got}, expected ${d.expected}.`;
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** PromQL regex matchers are anchored at both ends; an invalid one (Prometheus would reject it) is null. */
function anchored(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

function rangeHints(input: HintInput, add: Add): void {
  const scrape = input.scrapeSeconds;
  const fmt = formatDuration;
  for (const r of input.answer.ranges) {
    if (r.seconds < 2 * scrape) add('range-too-short', `The range [${fmt(r.seconds)}] is shorter than twice the scrape interval (${fmt(scrape)}): it rarely holds two samples, so rate() returns nothing.`, r);
    else if (r.seconds < 4 * scrape) add('range-fragile', `The range [${fmt(r.seconds)}] is under four scrape intervals (${fmt(4 * scrape)}): one missed scrape and the graph has gaps. $__rate_interval avoids that.`, r);
  }
  if (!input.passed && input.rangePolicy === 'exact') {
    const want = new Set(input.reference.ranges.map((r) => r.seconds));
    const have = new Set(input.answer.ranges.map((r) => r.seconds));
    const wrong = [...have].filter((s) => !want.has(s) && s >= 2 * scrape);
    if (wrong.length && want.size) add('range-different', `The range [${wrong.map(fmt).join('], [')}] is not the one the question asks for.`, input.answer.ranges.find((r) => r.seconds === wrong[0]));
  }
}

/** A selector as the learner knows it: its metric name, else its `__name__` matchers (else all of them). */
function selectorName(sel: Selector): string {
  if (sel.metric !== null) return sel.metric;
  const named = sel.matchers.filter((m) => m.name === '__name__');
  return `{${(named.length ? named : sel.matchers).map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;
}

function labelHints(ref: Selector, sel: Selector, add: Add): void {
  const metric = selectorName(sel);
  for (const m of ref.matchers) {
    if (m.name === '__name__') continue;
    const mine = sel.matchers.filter((x) => x.name === m.name);
    if (mine.length === 0) add('label-filter', `Your selector for \`${metric}\` has no filter on \`${m.name}\`, so it also picks up series the question does not ask about.`, sel);
    else if (!mine.some((x) => x.op === m.op && x.value === m.value)) add('label-filter', `The filter on \`${m.name}\` in \`${metric}\` is not the one the question needs; check its value.`, mine[0]);
  }
  for (const m of sel.matchers) {
    if (m.name !== '__name__' && !ref.matchers.some((x) => x.name === m.name)) add('label-filter', `The filter on \`${m.name}\` in \`${metric}\` narrows the result in a way the question does not ask for.`, m);
  }
}

/**
 * A label that alone separates an extra answer series from an expected one: both carry it with other
 * values (a filter), only the answer carries it, or only the expected series do.
 */
interface LabelDifference {
  label: string;
  kind: 'value' | 'answer-only' | 'expected-only';
}

function labelsSeparatingExtras(c: Comparison): LabelDifference[] {
  const parse = (key: string): Map<string, string> => new Map([...key.matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g)].map((m) => [m[1]!, m[2]!]));
  const out = new Map<string, LabelDifference>();
  for (const extra of c.extra) {
    const e = parse(extra);
    for (const key of c.missing) {
      const k = parse(key);
      const names = new Set([...e.keys(), ...k.keys()]);
      const diff = [...names].filter((n) => e.get(n) !== k.get(n));
      if (diff.length !== 1) continue;
      const label = diff[0]!;
      out.set(label, { label, kind: !k.has(label) ? 'answer-only' : !e.has(label) ? 'expected-only' : 'value' });
    }
  }
  return [...out.values()];
}

/**
 * A filter hint only where a filter can be at fault (both sides have the label, with other values). A
 * label only one side has comes from what the answer keeps or drops: its `by`/`without`, or an aggregation
 * it lacks or adds; say which.
 */
function labelDifferenceHint(d: LabelDifference, answer: QueryFacts, add: Add): void {
  const l = `\`${d.label}\``;
  if (d.kind === 'value') {
    add('label-filter', `Your result has series that differ from the expected ones only in the value of ${l}: check the filter on it.`);
    return;
  }
  const grouping = (a: QueryFacts['aggregations'][number]) => `${a.op} ${a.modifier} (${a.labels.join(', ')})`;
  if (d.kind === 'answer-only') {
    const keeps = answer.aggregations.find((a) => (a.modifier === 'by' && a.labels.includes(d.label)) || (a.modifier === 'without' && !a.labels.includes(d.label)));
    if (keeps) add('aggregation', `Your \`${grouping(keeps)}\` keeps the label ${l}, which the expected series do not have: ${keeps.modifier === 'by' ? 'leave it out of by' : 'add it to without'}.`, keeps);
    else add('aggregation', `Your series keep the label ${l}, which the expected series do not have: the question aggregates it away.`);
    return;
  }
  const drops = answer.aggregations.find((a) => a.modifier === null || (a.modifier === 'by' && !a.labels.includes(d.label)) || (a.modifier === 'without' && a.labels.includes(d.label)));
  if (drops) add('aggregation', `Your \`${drops.modifier ? grouping(drops) : drops.op}\` drops the label ${l}, which the expected series keep: keep it.`, drops);
  else add('missing-series', `Your series lack the label ${l}, which the expected series keep.`);
}

function aggregationHints(input: HintInput, add: Add): void {
  const describe = (a: QueryFacts['aggregations'][number]) => `${a.op}${a.modifier ? ` ${a.modifier} (${a.labels.join(', ')})` : ''}`;
  const ref = input.reference.aggregations.map(describe);
  const ans = input.answer.aggregations.map(describe);
  if (ref.join('|') === ans.join('|')) return;
  // The first aggregation of the answer that differs from the reference's, for the explain view.
  const at = input.answer.aggregations.find((_, i) => ans[i] !== ref[i]);
  const refOps = input.reference.aggregations.map((a) => a.op).join('|');
  const ansOps = input.answer.aggregations.map((a) => a.op).join('|');
  if (ans.length < ref.length && ans.length > 0) {
    add('aggregation', `The question combines ${ref.length} aggregated parts; your query computes ${ans.length}. Part of the calculation is missing.`, at);
  } else if (ans.length > ref.length || refOps !== ansOps) {
    add('aggregation', ans.length === 0 ? 'The question asks for an aggregated result; your query keeps every series apart.' : `The aggregation \`${ans.join(', ')}\` does not fit what the question asks for.`, at);
  } else {
    const got = input.answerResult?.length ?? 0;
    const want = input.expectedResult?.length ?? 0;
    add('aggregation', got < want ? 'Your aggregation merges series that the question wants kept apart: check the labels in by/without.' : 'Your aggregation keeps labels the question wants merged: check by/without.', at);
  }
}

function counterHints(input: HintInput, add: Add): void {
  for (const sel of input.answer.selectors) {
    if (sel.metric === null || !isCounterName(sel.metric)) continue;
    const wrapped = input.answer.functions.some((f) => COUNTER_FUNCTIONS.has(f.name) && f.callFrom <= sel.from && sel.to <= f.callTo);
    if (!wrapped) add('counter-without-rate', `\`${sel.metric}\` is a counter: it only ever grows, so its raw value means little. Wrap it in rate() to get a per-second rate.`, sel);
  }
}

function functionHints(input: HintInput, add: Add): void {
  const ref = new Set(input.reference.functions.map((f) => f.name));
  const ans = new Set(input.answer.functions.map((f) => f.name));
  const call = (name: string) => {
    const f = input.answer.functions.find((x) => x.name === name);
    return f && { from: f.callFrom, to: f.callTo };
  };
  if (ans.has('irate') && ref.has('rate') && !ref.has('irate')) {
    add('irate-instead-of-rate', 'irate() looks only at the last two samples of the range; the question asks for rate(), the average over the whole range.', call('irate'));
  }
  if (ans.has('increase') && ref.has('rate') && !ref.has('increase')) {
    add('different-function', 'increase() gives the total over the range; the question asks for a per-second rate (increase divided by the range in seconds is the same as rate).', call('increase'));
  }
  for (const name of ans) {
    if (!ref.has(name) && name !== 'irate' && name !== 'increase') add('different-function', `The question does not call for ${name}().`, call(name));
  }
}

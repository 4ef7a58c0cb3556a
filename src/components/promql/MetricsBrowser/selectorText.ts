/**
 * What the metrics browser inserts into the editor, as text: a selector `metric{label="v", other=~"a|b"}`
 * or a rate query over it, and whether a rate query makes sense for the metric, from its TYPE.
 * Pure: no DOM, no requests (tested in selectorText.test.ts).
 */

/** One entry of Prometheus' /api/v1/metadata for a metric family (a histogram's is under its base name). */
export interface MetricMetadata {
  type: string;
  help: string;
  unit?: string;
}

/** The label values chosen in the browser, by label name, in the order the labels were chosen. */
export type LabelChoices = ReadonlyArray<readonly [label: string, values: readonly string[]]>;

/** Grafana's range for rate(): at least four scrape intervals; graphs and the checker substitute it. */
export const RATE_RANGE = '$__rate_interval';

/** A PromQL double-quoted string holding `value` exactly (Go escapes: backslash, quote, control characters). */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `value` as an RE2 pattern matching only itself (Prometheus anchors label regexes at both ends). */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** One matcher: `label="v"` for one value, `label=~"a|b"` (each value escaped) for several; null for none. */
export function labelMatcher(label: string, values: readonly string[]): string | null {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return null;
  if (distinct.length === 1) return `${label}=${quoteString(distinct[0]!)}`;
  return `${label}=~${quoteString(distinct.map(escapeRegex).join('|'))}`;
}

/** `metric{…}` with a matcher per label that has values chosen; the bare name when none has. */
export function buildSelector(metric: string, choices: LabelChoices): string {
  const matchers = choices.map(([label, values]) => labelMatcher(label, values)).filter((m): m is string => m !== null);
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

/** `rate(metric{…}[$__rate_interval])`. */
export function buildRateQuery(metric: string, choices: LabelChoices): string {
  return `rate(${buildSelector(metric, choices)}[${RATE_RANGE}])`;
}

/** The series a histogram (`_bucket`, `_count`, `_sum`) or a summary (`_count`, `_sum`) exposes under its family's name. */
const FAMILY_SUFFIXES = ['_bucket', '_count', '_sum'] as const;

/** A series name's metadata: its own, or its histogram's or summary's (`x_bucket` → `x`), with the suffix it has. */
export interface ResolvedMetadata extends MetricMetadata {
  /** The name the metadata is under (the family's, for a histogram's `_bucket`). */
  family: string;
  /** `_bucket`, `_count` or `_sum` when the metadata is the family's; '' when it is the metric's own. */
  suffix: string;
}

export function resolveMetadata(metric: string, metadata: ReadonlyMap<string, MetricMetadata>): ResolvedMetadata | undefined {
  const own = metadata.get(metric);
  if (own) return { ...own, family: metric, suffix: '' };
  for (const suffix of FAMILY_SUFFIXES) {
    if (!metric.endsWith(suffix)) continue;
    const family = metric.slice(0, -suffix.length);
    const m = metadata.get(family);
    if (m && (m.type === 'histogram' || m.type === 'gaugehistogram' || m.type === 'summary')) return { ...m, family, suffix };
  }
  return undefined;
}

export type RateAdvice = { offered: true } | { offered: false; reason: string };

/**
 * Whether "Use as rate query" is offered: for counters, and for the `_bucket`, `_count` and `_sum` series of
 * a histogram (and a summary's `_count` and `_sum`), which only go up. Otherwise the reason, for the learner.
 */
export function rateAdvice(metric: string, meta: ResolvedMetadata | undefined): RateAdvice {
  if (!meta) return { offered: false, reason: `Prometheus has no TYPE for ${metric}, so it is not known to be a counter; rate() is only meaningful on counters.` };
  if (meta.type === 'counter') return { offered: true };
  if (meta.type === 'histogram' && meta.suffix !== '') return { offered: true };
  if (meta.type === 'summary' && (meta.suffix === '_count' || meta.suffix === '_sum')) return { offered: true };
  if (meta.type === 'gauge') return { offered: false, reason: `${metric} is a gauge: its value is already a current level, which rate() would turn into nonsense. Use it as a selector (or deriv() for its slope).` };
  if (meta.type === 'histogram' || meta.type === 'summary') return { offered: false, reason: `${metric} names a ${meta.type}; rate() applies to its _count, _sum${meta.type === 'histogram' ? ' and _bucket' : ''} series.` };
  return { offered: false, reason: `${metric} is of type ${meta.type}, not a counter; rate() is only meaningful on counters.` };
}

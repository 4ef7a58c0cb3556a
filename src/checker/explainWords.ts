/**
 * Plain words for the parts of a PromQL query, as the explain view shows them beside each node
 * (explainTree.ts builds the tree and calls these). Pure functions of what the parser found: no
 * Prometheus, no I/O. The wording is for a learner who is new to PromQL: what the part does to the
 * series, in a sentence or two.
 */
import type { MatchOp, Selector } from './queryFacts.ts';

/** Static type of an expression, as far as the words need it. */
export type ValueType = 'vector' | 'matrix' | 'scalar' | 'string';

function code(s: string): string {
  return `\`${s}\``;
}

function list(labels: readonly string[]): string {
  return labels.map(code).join(', ');
}

const MATCH_WORDS: Record<MatchOp, string> = {
  '=': 'equals',
  '!=': 'does not equal',
  '=~': 'matches the regex',
  '!~': 'does not match the regex',
};

/** `selects series of metric x whose label a equals "b" and …`, without the leading capital. */
function selection(sel: Selector): string {
  const named = sel.metric !== null;
  const matchers = sel.matchers.filter((m) => !(named && m.name === '__name__' && m.op === '=' && m.value === sel.metric));
  const conditions = matchers.map((m) => (m.name === '__name__' ? `whose name ${MATCH_WORDS[m.op]} ${JSON.stringify(m.value)}` : `whose label ${code(m.name)} ${MATCH_WORDS[m.op]} ${JSON.stringify(m.value)}`));
  const what = named ? `series of the metric ${code(sel.metric!)}` : 'series of any metric';
  return conditions.length === 0 ? `every ${what}` : `${what} ${conditions.join(' and ')}`;
}

export function selectorWords(sel: Selector): string {
  return `Selects ${selection(sel)}, each with its latest value (an instant vector).`;
}

export function rangeSelectorWords(sel: Selector, range: string): string {
  return `Selects ${selection(sel)}, each with all its samples of the last ${range} (a range vector: functions such as rate() read it).`;
}

export function subqueryWords(range: string, step: string | null): string {
  return `Evaluates the expression inside ${step ? `every ${step}` : 'at the default evaluation interval'} over the last ${range}, giving a range vector (a subquery).`;
}

export function offsetWords(duration: string, negative: boolean): string {
  return negative ? `The same expression, ${duration} later (offset -${duration}).` : `The same expression as it was ${duration} earlier (offset ${duration}).`;
}

export function atWords(at: string): string {
  if (at === 'start()' || at === 'end()') return `The same expression, evaluated at the ${at === 'start()' ? 'start' : 'end'} of the query's time range for every step (@ ${at}).`;
  const seconds = Number(at);
  const when = Number.isFinite(seconds) ? ` (${new Date(seconds * 1000).toISOString()})` : '';
  return `The same expression, always evaluated at the fixed time ${at}${when} rather than at each step (@).`;
}

export function numberWords(text: string): string {
  return `The number ${text} (a scalar).`;
}

export function stringWords(text: string): string {
  return `The string ${text}.`;
}

export function unaryWords(op: string): string {
  return op === '-' ? 'Negates each value (the metric name is dropped).' : 'Leaves each value as it is (unary +).';
}

/** Arguments of a function or aggregation as the words need them. */
export interface CallArgs {
  /** The range of its range-vector argument (`5m`), when it has one. */
  range: string | null;
  /** Its arguments as written. */
  texts: string[];
}

const OVER_TIME: Record<string, string> = {
  avg_over_time: 'The average of each series’ samples',
  min_over_time: 'The smallest of each series’ samples',
  max_over_time: 'The largest of each series’ samples',
  sum_over_time: 'The sum of each series’ samples',
  count_over_time: 'How many samples each series has',
  quantile_over_time: 'A quantile of each series’ samples',
  stddev_over_time: 'The standard deviation of each series’ samples',
  stdvar_over_time: 'The variance of each series’ samples',
  last_over_time: 'The most recent sample of each series',
  present_over_time: '1 for each series that has any sample',
};

const PER_VALUE: Record<string, string> = {
  abs: 'the absolute value',
  ceil: 'the value rounded up to an integer',
  floor: 'the value rounded down to an integer',
  sqrt: 'the square root',
  exp: 'e to the power of the value',
  ln: 'the natural logarithm',
  log2: 'the binary logarithm',
  log10: 'the decimal logarithm',
  sgn: 'the sign (-1, 0 or 1)',
};

export function functionWords(name: string, args: CallArgs): string {
  const r = args.range ?? 'the range';
  const arg = (i: number) => args.texts[i] ?? '…';
  switch (name) {
    case 'rate':
      return `Per-second rate over ${r}: how fast each counter grew per second, averaged over the last ${r} (counter resets are handled).`;
    case 'irate':
      return `Per-second rate from only the last two samples within ${r}: follows the latest change, jumpy (counter resets are handled).`;
    case 'increase':
      return `How much each counter grew over the last ${r} (counter resets are handled): the per-second rate times ${r}.`;
    case 'delta':
      return `The difference between the first and the last value of each series over ${r} (for gauges).`;
    case 'idelta':
      return `The difference between the last two samples of each series within ${r} (for gauges).`;
    case 'deriv':
      return `The per-second slope of each gauge over ${r} (linear regression).`;
    case 'predict_linear':
      return `Where each gauge will be ${arg(1)} seconds from now, extrapolating its trend over ${r}.`;
    case 'resets':
      return `How many times each counter was reset (went down) within ${r}.`;
    case 'changes':
      return `How many times each series’ value changed within ${r}.`;
    case 'histogram_quantile':
      return `Estimates the ${arg(0)} quantile (e.g. 0.9: 90 % of observations are below it) from histogram buckets (the \`le\` label), one result per set of the other labels.`;
    case 'clamp':
      return `Limits each value to between ${arg(1)} and ${arg(2)}.`;
    case 'clamp_min':
      return `Raises each value below ${arg(1)} to ${arg(1)}.`;
    case 'clamp_max':
      return `Lowers each value above ${arg(1)} to ${arg(1)}.`;
    case 'round':
      return args.texts.length > 1 ? `Rounds each value to the nearest multiple of ${arg(1)}.` : 'Rounds each value to the nearest integer.';
    case 'label_replace':
      return `Sets the label ${arg(1)} to ${arg(2)} where the label ${arg(3)} matches the regex ${arg(4)} (other series are unchanged).`;
    case 'label_join':
      return `Sets the label ${arg(1)} to the values of the labels ${args.texts.slice(3).join(', ')} joined by ${arg(2)}.`;
    case 'sort':
      return 'Sorts the series by value, smallest first (instant queries only).';
    case 'sort_desc':
      return 'Sorts the series by value, largest first (instant queries only).';
    case 'time':
      return 'The time of the evaluation, in Unix seconds (a scalar).';
    case 'timestamp':
      return 'The time of each series’ sample, in Unix seconds, instead of its value.';
    case 'vector':
      return 'Turns the number into one series without labels.';
    case 'scalar':
      return 'Turns a single series into a number (NaN when there is not exactly one series).';
    case 'absent':
      return 'One series with the value 1 when the expression has no series at all, nothing when it has some (for alerts on missing data).';
    case 'absent_over_time':
      return `One series with the value 1 when the expression has no sample in the last ${r}, nothing otherwise.`;
    case 'quantile_over_time':
      return `The ${arg(0)} quantile of each series’ samples over the last ${r}.`;
    default:
      if (OVER_TIME[name]) return `${OVER_TIME[name]} over the last ${r}.`;
      if (PER_VALUE[name]) return `Replaces each value by ${PER_VALUE[name]}.`;
      return `Calls ${name}() on its argument${args.texts.length === 1 ? '' : 's'}.`;
  }
}

/** Functions whose result is a scalar; every other function gives a vector. */
export const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set(['scalar', 'time', 'pi']);

const AGGREGATE_VERBS: Record<string, string> = {
  sum: 'Sums the series',
  avg: 'Averages the series',
  min: 'Takes the smallest value among the series',
  max: 'Takes the largest value among the series',
  count: 'Counts the series',
  group: 'Groups the series (each result has the value 1)',
  stddev: 'Takes the standard deviation over the series',
  stdvar: 'Takes the variance over the series',
};

export interface Grouping {
  modifier: 'by' | 'without' | null;
  labels: string[];
}

/** Words for an aggregation: what it computes, and which labels the result keeps. */
export function aggregationWords(op: string, grouping: Grouping, params: string[]): string {
  const { modifier, labels } = grouping;
  if (op === 'topk' || op === 'bottomk') {
    const which = op === 'topk' ? 'largest' : 'smallest';
    const among = modifier === 'by' && labels.length ? `within each group of the same ${list(labels)}` : modifier === 'without' && labels.length ? `within each group of series that differ only in ${list(labels)}` : 'among all series';
    return `Keeps the ${params[0] ?? 'k'} series with the ${which} values ${among}; the series keep all their labels and values.`;
  }
  let verb = AGGREGATE_VERBS[op] ?? `Aggregates the series with ${op}`;
  if (op === 'quantile') verb = `Takes the ${params[0] ?? 'φ'} quantile over the series`;
  if (op === 'count_values') verb = `Counts the series per value, putting each value in the label ${params[0] ?? '…'}`;
  if (modifier === 'by' && labels.length) return `${verb}, keeping only the labels ${list(labels)}: one result per distinct combination of their values.`;
  if (modifier === 'without' && labels.length) return `${verb}, dropping the labels ${list(labels)} (and the metric name): series that differ only in those are combined.`;
  return `${verb} into one result without labels.`;
}

export interface VectorMatching {
  /** `on` or `ignoring`, or null for the default (all labels). */
  kind: 'on' | 'ignoring' | null;
  labels: string[];
  /** `group_left` / `group_right` and the labels they copy. */
  group: 'left' | 'right' | null;
  include: string[];
}

/** An arithmetic operation in words, `{L}` and `{R}` standing for its two sides. */
const ARITHMETIC: Record<string, string> = {
  '+': 'Adds {L} and {R}',
  '-': 'Subtracts {R} from {L}',
  '*': 'Multiplies {L} by {R}',
  '/': 'Divides {L} by {R}',
  '%': 'Takes the remainder of {L} divided by {R}',
  '^': 'Raises {L} to the power of {R}',
  atan2: 'Takes atan2 of {L} and {R}',
};

function arithmetic(op: string, left: string, right: string): string {
  return (ARITHMETIC[op] ?? `Combines {L} and {R} with ${op}`).replace('{L}', left).replace('{R}', right);
}

const COMPARISON = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** A scalar operand as the words name it: a literal number as written, anything else by its side. */
function numberOn(side: 'left' | 'right', text: string): string {
  return /^[-+]?(\d[\d_]*\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text.trim()) ? text.trim() : `the number on the ${side}`;
}

/**
 * Words for a binary operation, by its operator, operand types and vector matching; `texts` are the
 * operands as written (a literal number is named by its value).
 */
export function binaryWords(op: string, left: ValueType, right: ValueType, bool: boolean, matching: VectorMatching, texts: { left: string; right: string } = { left: '', right: '' }): string {
  const lower = op.toLowerCase();
  const lv = left !== 'scalar';
  const rv = right !== 'scalar';
  if (!lv && !rv) {
    if (COMPARISON.has(lower)) return `Compares ${numberOn('left', texts.left)} with ${numberOn('right', texts.right)} (${op}): 1 if true, 0 if false.`;
    return `${arithmetic(lower, numberOn('left', texts.left), numberOn('right', texts.right))} (${op}).`;
  }
  if (!lv || !rv) {
    const series = lv ? 'the left' : 'the right';
    const number = lv ? numberOn('right', texts.right) : numberOn('left', texts.left);
    // `3 < x` keeps the series where 3 < value holds, i.e. value > 3: say it from the series' side.
    const flipped: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
    const cmp = lv ? op : (flipped[op] ?? op);
    if (COMPARISON.has(lower)) {
      return bool
        ? `Gives 1 for each series on ${series} whose value is ${cmp} ${number}, 0 where it is not (bool).`
        : `Keeps only the series on ${series} whose value is ${cmp} ${number} (a filter: values stay as they are).`;
    }
    const each = `each series on ${series}`;
    return `${lv ? arithmetic(lower, each, number) : arithmetic(lower, number, each)} (${op}); labels stay, the metric name is dropped.`;
  }
  const matched = matchingWords(matching);
  if (SET_OPS.has(lower)) {
    const what =
      lower === 'and'
        ? 'Keeps the series on the left that have a matching series on the right (intersection; values from the left).'
        : lower === 'or'
          ? 'Every series on the left, plus the series on the right that have no match on the left (union).'
          : 'Keeps the series on the left that have no matching series on the right.';
    return `${what} ${matched} Many-to-many: set operators need no group_left/group_right.`;
  }
  const what = COMPARISON.has(lower)
    ? bool
      ? `Gives 1 for each series on the left whose value is ${op} that of its matching series on the right, 0 where it is not (bool).`
      : `Keeps the series on the left whose value is ${op} that of its matching series on the right (a filter).`
    : `${arithmetic(lower, 'each series on the left', 'its matching series on the right')} (${op}).`;
  return `${what} ${matched} ${cardinalityWords(matching)}`;
}

function matchingWords(m: VectorMatching): string {
  if (m.kind === 'on') return m.labels.length ? `Series match when their labels ${list(m.labels)} are equal (on).` : 'on(): every series matches, no label is compared.';
  if (m.kind === 'ignoring') return `Series match when all their labels except ${list(m.labels)} are equal (ignoring).`;
  return 'Series match when all their labels are equal (apart from the metric name).';
}

function cardinalityWords(m: VectorMatching): string {
  const copied = m.include.length ? `; the labels ${list(m.include)} are copied from the ${m.group === 'left' ? 'right' : 'left'} side` : '';
  if (m.group === 'left') return `group_left: many-to-one: several series on the left may match the same series on the right${copied}.`;
  if (m.group === 'right') return `group_right: one-to-many: several series on the right may match the same series on the left${copied}.`;
  return 'One-to-one: each series must match at most one series on the other side.';
}

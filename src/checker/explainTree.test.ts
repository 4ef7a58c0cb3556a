import { describe, expect, it } from 'vitest';
import { nodeAt, type ExplainNode } from '../protocol/explain.ts';
import { buildExplainTree } from './explainTree.ts';

function tree(query: string): ExplainNode {
  const root = buildExplainTree(query);
  if (!root) throw new Error(`no tree for ${query}`);
  return root;
}

/** The tree as `kind text` lines, indented by depth. */
function outline(n: ExplainNode, depth = 0): string[] {
  return [`${'  '.repeat(depth)}${n.kind} ${n.text}`, ...n.children.flatMap((c) => outline(c, depth + 1))];
}

describe('explain tree', () => {
  it('has a node per sub-expression, numbered in pre-order, parentheses folded into what they hold', () => {
    const root = tree('sum by (job) (rate(x{job="api"}[5m])) / on(job) group_left(zone) (count(y) > 3)');
    expect(outline(root)).toEqual([
      'binary sum by (job) (rate(x{job="api"}[5m])) / on(job) group_left(zone) (count(y) > 3)',
      '  aggregation sum by (job) (rate(x{job="api"}[5m]))',
      '    function rate(x{job="api"}[5m])',
      '      range-selector x{job="api"}[5m]',
      '  binary count(y) > 3',
      '    aggregation count(y)',
      '      selector y',
      '    number 3',
    ]);
    const ids: number[] = [];
    const walk = (n: ExplainNode) => (ids.push(n.id), n.children.forEach(walk));
    walk(root);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(root.children[0]!.span).toEqual({ from: 0, to: 37 });
    expect(root.seriesCount).toBeNull();
  });

  it('says what a selector selects: metric, equality and regex matchers', () => {
    expect(tree('envoy_cx{job="api", addr=~".*_20000", zone!="b", path!~"/x.*"}').words).toBe(
      'Selects series of the metric `envoy_cx` whose label `job` equals "api" and whose label `addr` matches the regex ".*_20000" and whose label `zone` does not equal "b" and whose label `path` does not match the regex "/x.*", each with its latest value (an instant vector).',
    );
    expect(tree('up').words).toBe('Selects every series of the metric `up`, each with its latest value (an instant vector).');
    expect(tree('{__name__=~"envoy_.*"}').words).toContain('series of any metric whose name matches the regex "envoy_.*"');
    expect(tree('{__name__="up", job="x"}').words).toContain('series of the metric `up` whose label `job` equals "x"');
  });

  it('says what a range selector, rate and a subquery do, with their ranges', () => {
    const rate = tree('rate(http_total{code="500"}[5m])');
    expect(rate.words).toBe('Per-second rate over 5m: how fast each counter grew per second, averaged over the last 5m (counter resets are handled).');
    expect(rate.children[0]!.words).toBe('Selects series of the metric `http_total` whose label `code` equals "500", each with all its samples of the last 5m (a range vector: functions such as rate() read it).');
    expect(tree('irate(x[1m])').words).toMatch(/^Per-second rate from only the last two samples within 1m/);
    const sub = tree('max_over_time(rate(x[1m])[10m:30s])');
    expect(sub.words).toBe('The largest of each series’ samples over the last 10m.');
    expect(sub.children[0]!.kind).toBe('subquery');
    expect(sub.children[0]!.words).toBe('Evaluates the expression inside every 30s over the last 10m, giving a range vector (a subquery).');
    expect(tree('rate(x[5m] offset 1h)').words).toContain('over 5m');
    expect(tree('histogram_quantile(0.9, sum by (le) (rate(h_bucket[1m])))').words).toMatch(/^Estimates the 0.9 quantile/);
  });

  it('says which labels an aggregation keeps or drops', () => {
    expect(tree('sum by (job, zone) (x)').words).toBe('Sums the series, keeping only the labels `job`, `zone`: one result per distinct combination of their values.');
    expect(tree('sum(x) by (job)').words).toMatch(/keeping only the labels `job`/);
    expect(tree('avg without (instance) (x)').words).toBe('Averages the series, dropping the labels `instance` (and the metric name): series that differ only in those are combined.');
    expect(tree('count(x)').words).toBe('Counts the series into one result without labels.');
    expect(tree('topk by (job) (3, x)').words).toBe('Keeps the 3 series with the largest values within each group of the same `job`; the series keep all their labels and values.');
    expect(tree('quantile(0.5, x)').words).toMatch(/^Takes the 0.5 quantile over the series into one result/);
    expect(tree('count_values("v", x)').words).toMatch(/^Counts the series per value, putting each value in the label "v"/);
  });

  it('says how a binary operator matches series: on, ignoring, group_left, one-to-one, sets', () => {
    const onLeft = tree('a / on(job) group_left(zone) b').words;
    expect(onLeft).toBe(
      'Divides each series on the left by its matching series on the right (/). Series match when their labels `job` are equal (on). group_left: many-to-one: several series on the left may match the same series on the right; the labels `zone` are copied from the right side.',
    );
    expect(tree('a - ignoring(code) b').words).toBe(
      'Subtracts its matching series on the right from each series on the left (-). Series match when all their labels except `code` are equal (ignoring). One-to-one: each series must match at most one series on the other side.',
    );
    expect(tree('a * on(x) group_right b').words).toContain('group_right: one-to-many');
    expect(tree('a + b').words).toContain('Series match when all their labels are equal (apart from the metric name). One-to-one');
    expect(tree('a unless b').words).toMatch(/^Keeps the series on the left that have no matching series on the right\. .* Many-to-many/);
    expect(tree('a > 3').words).toBe('Keeps only the series on the left whose value is > 3 (a filter: values stay as they are).');
    expect(tree('0.5 <= a').words).toBe('Keeps only the series on the right whose value is >= 0.5 (a filter: values stay as they are).');
    expect(tree('a > bool 3').words).toBe('Gives 1 for each series on the left whose value is > 3, 0 where it is not (bool).');
    expect(tree('a >= b').words).toMatch(/^Keeps the series on the left whose value is >= that of its matching series on the right \(a filter\)\. Series match/);
    expect(tree('1 - a').words).toBe('Subtracts each series on the right from 1 (-); labels stay, the metric name is dropped.');
    expect(tree('a * 100').words).toBe('Multiplies each series on the left by 100 (*); labels stay, the metric name is dropped.');
    expect(tree('1 + 2').words).toBe('Adds 1 and 2 (+).');
    expect(tree('a / scalar(b)').words).toBe('Divides each series on the left by the number on the right (/); labels stay, the metric name is dropped.');
  });

  it('describes numbers, strings, unary minus, offset and @', () => {
    expect(tree('3.5').words).toBe('The number 3.5 (a scalar).');
    const neg = tree('-x');
    expect(neg.kind).toBe('unary');
    expect(neg.words).toMatch(/^Negates/);
    expect(tree('x offset 5m').words).toBe('The same expression as it was 5m earlier (offset 5m).');
    expect(tree('x @ 1700000000').words).toContain('fixed time 1700000000 (2023-11-14T22:13:20.000Z)');
    const lr = tree('label_replace(x, "dst", "$1", "src", "(.*)")');
    expect(lr.children.map((c) => c.kind)).toEqual(['selector', 'string', 'string', 'string', 'string']);
    expect(lr.words).toBe('Sets the label "dst" to "$1" where the label "src" matches the regex "(.*)" (other series are unchanged).');
  });

  it('finds the node a span points at: the smallest that contains it', () => {
    const root = tree('sum(irate(x{job="api"}[1m])) / 2');
    expect(nodeAt(root, { from: 4, to: 27 })?.text).toBe('irate(x{job="api"}[1m])');
    // A matcher inside the selector: the range selector holds it.
    expect(nodeAt(root, { from: 12, to: 21 })?.kind).toBe('range-selector');
    expect(nodeAt(root, { from: 0, to: 32 })?.id).toBe(0);
    expect(nodeAt(root, { from: 40, to: 41 })).toBeNull();
  });
});

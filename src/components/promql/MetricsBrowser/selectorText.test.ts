import { describe, expect, it } from 'vitest';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { maskGrafanaVariables } from '../../../protocol/grafanaVariables.ts';
import { buildRateQuery, buildSelector, escapeRegex, labelMatcher, quoteString, rateAdvice, resolveMetadata, type MetricMetadata } from './selectorText.ts';

describe('selector text', () => {
  it('quotes a label value as a PromQL string, escaping backslash, quote and control characters', () => {
    expect(quoteString('127.0.0.1_15001')).toBe('"127.0.0.1_15001"');
    expect(quoteString('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteString('C:\\dir')).toBe('"C:\\\\dir"');
    expect(quoteString('a\nb\tc\rd')).toBe('"a\\nb\\tc\\rd"');
    expect(quoteString('bell\x07')).toBe('"bell\\x07"');
    expect(quoteString('héllo ✓')).toBe('"héllo ✓"');
  });

  it('escapes every RE2 metacharacter so a value matches only itself', () => {
    expect(escapeRegex('127.0.0.1_15001')).toBe('127\\.0\\.0\\.1_15001');
    expect(escapeRegex('a+b*c?(d)|[e]{f}^$\\')).toBe('a\\+b\\*c\\?\\(d\\)\\|\\[e\\]\\{f\\}\\^\\$\\\\');
    for (const v of ['a.b', '(x|y)', 'p[0-9]+', 'back\\slash']) expect(new RegExp(`^${escapeRegex(v)}$`).test(v)).toBe(true);
    expect(new RegExp(`^${escapeRegex('a.b')}$`).test('axb')).toBe(false);
  });

  it('uses = for one value and =~ with an escaped alternation for several, then quotes the pattern', () => {
    expect(labelMatcher('job', [])).toBeNull();
    expect(labelMatcher('job', ['api'])).toBe('job="api"');
    expect(labelMatcher('job', ['api', 'api'])).toBe('job="api"');
    expect(labelMatcher('job', ['api', 'payments'])).toBe('job=~"api|payments"');
    // The regex's backslashes are doubled by the string quoting: the PromQL text holds \\. for a literal dot.
    expect(labelMatcher('envoy_listener_address', ['0.0.0.0_20000', '127.0.0.1_15001'])).toBe('envoy_listener_address=~"0\\\\.0\\\\.0\\\\.0_20000|127\\\\.0\\\\.0\\\\.1_15001"');
    expect(labelMatcher('path', ['/a|b', 'say "x"'])).toBe('path=~"/a\\\\|b|say \\"x\\""');
  });

  it('builds a selector with one matcher per chosen label, in the order chosen, and the bare name without any', () => {
    expect(buildSelector('up', [])).toBe('up');
    expect(buildSelector('up', [['job', []]])).toBe('up');
    expect(buildSelector('envoy_listener_downstream_cx_destroy', [['envoy_listener_address', ['127.0.0.1_15001']]])).toBe(
      'envoy_listener_downstream_cx_destroy{envoy_listener_address="127.0.0.1_15001"}',
    );
    expect(buildSelector('m', [['service', ['api', 'payments']], ['job', ['api']]])).toBe('m{service=~"api|payments", job="api"}');
  });

  it("builds a rate query over the selector with Grafana's $__rate_interval", () => {
    expect(buildRateQuery('envoy_listener_downstream_cx_destroy', [['envoy_listener_address', ['127.0.0.1_15001']]])).toBe(
      'rate(envoy_listener_downstream_cx_destroy{envoy_listener_address="127.0.0.1_15001"}[$__rate_interval])',
    );
    expect(buildRateQuery('x_total', [])).toBe('rate(x_total[$__rate_interval])');
  });
});

describe('metadata and rate advice', () => {
  const metadata = new Map<string, MetricMetadata>([
    ['requests_total', { type: 'counter', help: 'Requests.' }],
    ['in_flight', { type: 'gauge', help: 'Requests in flight.' }],
    ['latency_seconds', { type: 'histogram', help: 'Latency.' }],
    ['size_bytes', { type: 'summary', help: 'Size.' }],
    ['odd', { type: 'unknown', help: '' }],
  ]);

  it("finds a metric's own metadata, or its histogram's or summary's by the series suffix", () => {
    expect(resolveMetadata('requests_total', metadata)).toMatchObject({ type: 'counter', family: 'requests_total', suffix: '' });
    expect(resolveMetadata('latency_seconds_bucket', metadata)).toMatchObject({ type: 'histogram', family: 'latency_seconds', suffix: '_bucket' });
    expect(resolveMetadata('size_bytes_count', metadata)).toMatchObject({ type: 'summary', family: 'size_bytes', suffix: '_count' });
    // A gauge's name with a family suffix is not its series.
    expect(resolveMetadata('in_flight_sum', metadata)).toBeUndefined();
    expect(resolveMetadata('unknown_metric', metadata)).toBeUndefined();
  });

  it('offers rate for counters and the counter series of histograms and summaries, and says why not otherwise', () => {
    const advice = (m: string) => rateAdvice(m, resolveMetadata(m, metadata));
    for (const m of ['requests_total', 'latency_seconds_bucket', 'latency_seconds_count', 'latency_seconds_sum', 'size_bytes_count', 'size_bytes_sum']) {
      expect(advice(m), m).toEqual({ offered: true });
    }
    const reason = (m: string) => {
      const a = advice(m);
      return a.offered ? '' : a.reason;
    };
    expect(reason('in_flight')).toMatch(/gauge/);
    expect(reason('size_bytes')).toMatch(/_count, _sum series/);
    expect(reason('odd')).toMatch(/type unknown, not a counter/);
    expect(reason('unknown_metric')).toMatch(/no TYPE/);
  });
});

describe('the text parses as PromQL', () => {
  it('has no syntax error, whatever the label values hold', () => {
    const hostile = ['127.0.0.1_15001', 'say "hi"', 'C:\\dir\\', 'a|b', '(x)[y]{z}', 'line\nbreak', '', '✓ ünïcode'];
    const texts = [
      ...hostile.map((v) => buildSelector('envoy_listener_downstream_cx_destroy', [['envoy_listener_address', [v]]])),
      buildSelector('m', [['a', hostile]]),
      buildRateQuery('m_total', [['a', hostile], ['job', ['api']]]),
    ];
    for (const text of texts) {
      const errors: number[] = [];
      // The editor's linter and the checker read Grafana's $__rate_interval the same way: masked.
      promqlParser.parse(maskGrafanaVariables(text)).iterate({
        enter: (n) => {
          if (n.type.isError) errors.push(n.from);
        },
      });
      expect(errors, text).toEqual([]);
    }
  });
});

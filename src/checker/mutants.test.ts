import { describe, expect, it } from 'vitest';
import { generateMutants } from './mutants.ts';

describe('generateMutants', () => {
  const names = ['envoy_listener_downstream_cx_destroy', 'envoy_listener_downstream_cx_total', 'up'];

  it('drops each matcher, swaps rate for irate, scales each range, wraps in sum and swaps the metric', () => {
    const ref = 'rate(envoy_listener_downstream_cx_destroy{job="api", envoy_listener_address=~".*_15001"}[1m])';
    const m = generateMutants(ref, { scrapeSeconds: 2, rangePolicy: 'exact', metricNames: names });
    expect(m.map((x) => x.query)).toEqual([
      'rate(envoy_listener_downstream_cx_destroy{envoy_listener_address=~".*_15001"}[1m])',
      'rate(envoy_listener_downstream_cx_destroy{job="api"}[1m])',
      'irate(envoy_listener_downstream_cx_destroy{job="api", envoy_listener_address=~".*_15001"}[1m])',
      'rate(envoy_listener_downstream_cx_destroy{job="api", envoy_listener_address=~".*_15001"}[15s])',
      'rate(envoy_listener_downstream_cx_destroy{job="api", envoy_listener_address=~".*_15001"}[5m])',
      `sum(${ref})`,
      'rate(envoy_listener_downstream_cx_total{job="api", envoy_listener_address=~".*_15001"}[1m])',
    ]);
  });

  it('removes braces left empty by dropping the only matcher', () => {
    const m = generateMutants('up{job="api"}', { scrapeSeconds: 2, rangePolicy: 'exact' });
    expect(m[0]).toMatchObject({ kind: 'drop-matcher', query: 'up' });
  });

  it('skips range mutants the range policy accepts and sum() around a result without labels', () => {
    const m = generateMutants('sum(rate(x_total[1m]))', { scrapeSeconds: 2, rangePolicy: 'at-least-4x-scrape' });
    // 1m × 5 = 5m and 1m × ¼ = 15s are both >= 4 × 2 s: acceptable answers, not mutants.
    expect(m.map((x) => x.kind)).toEqual(['rate-to-irate']);
    const ratio = generateMutants('sum(rate(a_total[1m])) / sum(rate(b_total[1m]))', { scrapeSeconds: 15, rangePolicy: 'exact' });
    expect(ratio.some((x) => x.kind === 'wrap-sum')).toBe(false);
  });
});

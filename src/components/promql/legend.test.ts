import { describe, expect, it } from 'vitest';
import { formatLegend, formatLegends, seriesName } from '../../protocol/legend.ts';
import { alignSeries } from './alignSeries.ts';

describe('formatLegend', () => {
  it('puts label values in place of Grafana-style placeholders', () => {
    expect(formatLegend('{{service}} / {{ envoy_listener_address }}', { service: 'api', envoy_listener_address: '10.0.0.2_20000' }))
      .toBe('api / 10.0.0.2_20000');
  });
  it('leaves a missing label empty and keeps other text', () => {
    expect(formatLegend('{{service}}-{{pod}}', { service: 'api' })).toBe('api-');
  });
  it('names the series like Prometheus when there is no template', () => {
    expect(formatLegend(undefined, { __name__: 'up', job: 'x', instance: 'a:1' })).toBe('up{instance="a:1", job="x"}');
    expect(formatLegend('  ', {})).toBe('{}');
    expect(seriesName({ service: 'api' })).toBe('{service="api"}');
  });
});

describe('formatLegends', () => {
  it('names series by the labels that tell them apart', () => {
    const names = formatLegends(undefined, [
      { __name__: 'cx', job: 'api', instance: 'api:1', addr: 'a' },
      { __name__: 'cx', job: 'api', instance: 'api:2', addr: 'a' },
      { __name__: 'cx', job: 'api', instance: 'api:2', addr: 'b' },
    ]);
    expect(names).toEqual(['{addr="a", instance="api:1"}', '{addr="a", instance="api:2"}', '{addr="b", instance="api:2"}']);
  });
  it('keeps the metric name when it differs, and full names for a lone series or identical label sets', () => {
    expect(formatLegends(undefined, [{ __name__: 'a', j: 'x' }, { __name__: 'b', j: 'x' }])).toEqual(['a', 'b']);
    expect(formatLegends(undefined, [{ __name__: 'a', j: 'x' }])).toEqual(['a{j="x"}']);
    expect(formatLegends(undefined, [{ j: 'x' }, { j: 'x' }])).toEqual(['{j="x"}', '{j="x"}']);
  });
  it('applies a template to every series', () => {
    expect(formatLegends('{{j}}', [{ j: 'x' }, { j: 'y' }])).toEqual(['x', 'y']);
  });
});

describe('alignSeries', () => {
  it('merges series onto the union of their timestamps with gaps as null', () => {
    const a = alignSeries([
      { metric: { s: 'a' }, values: [[10, '1'], [20, '2']] },
      { metric: { s: 'b' }, values: [[20, '5'], [30, 'NaN']] },
    ]);
    expect(a.timestamps).toEqual([10, 20, 30]);
    expect(a.series).toEqual([
      { labels: { s: 'a' }, values: [1, 2, null] },
      { labels: { s: 'b' }, values: [null, 5, null] },
    ]);
  });
  it('gives empty arrays for an empty result', () => {
    expect(alignSeries([])).toEqual({ timestamps: [], series: [] });
  });
});

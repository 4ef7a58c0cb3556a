import { describe, expect, it } from 'vitest';
import { findVariableReference, grafanaVariables, maskGrafanaVariables, rateIntervalSeconds, substituteGrafanaVariables, substituteVariables, usesScrapeInterval } from './grafanaVariables.ts';

const timing = { scrapeSeconds: 2, intervalSeconds: 10, rangeSeconds: 300 };

describe('substituteGrafanaVariables', () => {
  it('substitutes in all three spellings', () => {
    expect(substituteGrafanaVariables('rate(x[$__rate_interval]) + rate(y[${__interval}]) + z[[[__range]]]', timing)).toBe('rate(x[12s]) + rate(y[10s]) + z[5m]');
  });

  it('reads a whole name: $__interval does not eat the front of $__interval_ms', () => {
    expect(substituteGrafanaVariables('x / $__interval_ms + y[$__interval] / $__range_s + $__range_ms + $__rate_interval_ms', timing)).toBe('x / 10000 + y[10s] / 300 + 300000 + 12000');
  });

  it('leaves unknown names and `$` in regexes as written', () => {
    expect(substituteGrafanaVariables('x{a=~"b$"}[$__foo] + ${bar}', timing)).toBe('x{a=~"b$"}[$__foo] + ${bar}');
  });

  it('computes $__rate_interval as max(interval + scrape, 4 × scrape)', () => {
    expect(rateIntervalSeconds({ scrapeSeconds: 15, intervalSeconds: 15, rangeSeconds: 60 })).toBe(60);
    expect(rateIntervalSeconds({ scrapeSeconds: 2, intervalSeconds: 30, rangeSeconds: 60 })).toBe(32);
    expect(grafanaVariables({ scrapeSeconds: 15, intervalSeconds: 15, rangeSeconds: 3600 })).toMatchObject({ $__rate_interval: '1m', $__range: '1h' });
  });
});

describe('substituteVariables', () => {
  it('takes names with or without their $, and never substitutes a value again', () => {
    expect(substituteVariables('$a + ${b} + [[a]]', { $a: '$b', b: '7' })).toBe('$b + 7 + $b');
  });
});

describe('findVariableReference', () => {
  it('finds what substitution left', () => {
    expect(findVariableReference('rate(x[${__foo}])')).toEqual({ index: 7, text: '${__foo' });
    expect(findVariableReference('x{a=~"b$"}')).toBeNull();
  });
});

describe('maskGrafanaVariables', () => {
  it("replaces Grafana's variables by stand-ins of the same length and kind, and nothing else", () => {
    const query = 'rate(x[$__rate_interval]) / $__range_s + y[${__interval}] + z[[[__range]]] + w[$__foo]';
    const masked = maskGrafanaVariables(query);
    expect(masked).toBe('rate(x[999999999999999s]) / 9999999999 + y[999999999999s] + z[9999999999s] + w[$__foo]');
    expect(masked).toHaveLength(query.length);
  });
});

describe('usesScrapeInterval', () => {
  it('is true only for a reference to $__rate_interval (in any of its forms), whose value the scrape interval sets', () => {
    expect(['rate(x[$__rate_interval])', 'rate(x[${__rate_interval}])', 'rate(x[[[__rate_interval]]])', 'x / $__rate_interval_ms'].map(usesScrapeInterval)).toEqual([true, true, true, true]);
    expect(['sum(x)', 'rate(x[$__interval])', 'increase(x[$__range])', 'rate(x[$__rate_intervalx])', 'x{a="$b"}'].map(usesScrapeInterval)).toEqual([false, false, false, false, false]);
  });
});

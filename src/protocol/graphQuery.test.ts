import { describe, expect, it } from 'vitest';
import { GraphDefaults, graphAttributeSeconds, graphRequest, resolveGraphSettings } from './graphQuery.ts';

describe('resolveGraphSettings', () => {
  it('applies defaults when no attribute is given', () => {
    const s = resolveGraphSettings({});
    expect(s).toEqual({ windowSeconds: 300, stepSeconds: 2, refreshSeconds: GraphDefaults.REFRESH_SECONDS, problems: [] });
  });
  it('reads durations and derives the step from the window', () => {
    expect(resolveGraphSettings({ window: '1h' }).stepSeconds).toBe(24);
    expect(resolveGraphSettings({ window: '10m', step: '15s', refresh: '10s' })).toMatchObject({ windowSeconds: 600, stepSeconds: 15, refreshSeconds: 10 });
  });
  it('names each attribute that is not a duration and falls back to its default', () => {
    const s = resolveGraphSettings({ window: '5 minutes', refresh: 'fast' });
    expect(s.windowSeconds).toBe(300);
    expect(s.refreshSeconds).toBe(5);
    expect(s.problems).toHaveLength(2);
    expect(s.problems[0]).toContain('window="5 minutes"');
  });
  it('never polls or steps faster than the floors', () => {
    const s = resolveGraphSettings({ step: '100ms', refresh: '200ms' });
    expect(s.stepSeconds).toBe(1);
    expect(s.refreshSeconds).toBe(1);
  });
});

describe('graphRequest', () => {
  it('asks for the last window at the graph step, with Grafana variables from the lab scrape interval', () => {
    const settings = resolveGraphSettings({ window: '5m' });
    expect(graphRequest('sum(rate(x[$__rate_interval])) / $__range_s', settings, 2, 1_000_000.7)).toEqual({
      query: 'sum(rate(x[8s])) / 300',
      start: 1_000_000 - 300,
      end: 1_000_000,
      stepSeconds: 2,
    });
    expect(graphRequest('rate(x[$__rate_interval])', resolveGraphSettings({ window: '1h' }), 15, 0).query).toBe('rate(x[1m])');
  });
});

describe('graphAttributeSeconds', () => {
  it('reads Prometheus durations (or plain seconds) in seconds', () => {
    expect(graphAttributeSeconds('90s')).toBe(90);
    expect(graphAttributeSeconds('5m')).toBe(300);
    expect(graphAttributeSeconds('1h30m')).toBe(5400);
    expect(graphAttributeSeconds('500ms')).toBe(0.5);
    expect(graphAttributeSeconds('15')).toBe(15);
  });
  it('answers undefined for text that is not a duration', () => {
    for (const bad of ['', 'abc', '5 m', '5x', '0s', 'm5']) expect(graphAttributeSeconds(bad)).toBeUndefined();
  });
});

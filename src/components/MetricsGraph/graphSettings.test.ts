import { describe, expect, it } from 'vitest';
import { GraphDefaults, resolveGraphSettings } from './graphSettings.ts';

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

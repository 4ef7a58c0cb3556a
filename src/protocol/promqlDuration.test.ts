import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './promqlDuration.ts';

describe('parseDuration', () => {
  it('reads PromQL durations, milliseconds included', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('1w')).toBe(604_800);
  });
  it('refuses what is not one', () => {
    for (const text of ['', '5', '5 m', ' 5m', '5minutes', 'm', '1.5m']) expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it('writes the shortest text, and round-trips', () => {
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(0.25)).toBe('250ms');
    for (const s of [1, 12, 60, 3661, 86400 + 5]) expect(parseDuration(formatDuration(s))).toBe(s);
  });
});

import { describe, expect, it } from 'vitest';
import { renderSummary, summarize } from './histogram.ts';

describe('summarize', () => {
  it('gives nearest-rank percentiles and cumulative fortio buckets', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i + 1) / 100_000); // 0.01 ms .. 10 ms
    const s = summarize(samples);
    expect(s.count).toBe(1000);
    expect(s.percentiles).toEqual([
      { percentile: 50, value: 0.005 },
      { percentile: 75, value: 0.0075 },
      { percentile: 90, value: 0.009 },
      { percentile: 99, value: 0.0099 },
      { percentile: 99.9, value: 0.00999 },
    ]);
    expect(s.buckets[0]).toMatchObject({ start: 0.00001, end: 0.001, count: 100, percent: 10 });
    expect(s.buckets.at(-1)).toMatchObject({ end: 0.01, percent: 100 });
    expect(s.buckets.reduce((a, b) => a + b.count, 0)).toBe(1000);
  });

  it('renders the table and the target lines', () => {
    const out = renderSummary('Aggregated Function Time', summarize([0.0015, 0.0025, 0.0125]));
    expect(out).toContain('# range, mid point, percentile, count\n>= 0.0015 <= 0.002 , 0.00175 , 33.33, 1\n');
    expect(out).toContain('> 0.012 <= 0.014 , 0.013 , 100.00, 1\n');
    expect(out).toContain('# target 50% 0.0025\n');
    expect(out).toContain('# target 99.9% 0.0125\n');
  });

  it('handles no samples', () => {
    expect(renderSummary('X', summarize([]))).toBe('X : count 0 avg 0 +/- 0 min 0 max 0 sum 0\n');
  });
});

import { describe, expect, it } from 'vitest';
import { compareResults, valuesEqual } from './compare.ts';

const series = (metric: Record<string, string>, values: [number, string][]) => ({ metric, values });

describe('compareResults', () => {
  it('treats values within the relative tolerance as equal, and NaN as equal to NaN', () => {
    expect(valuesEqual('0.35', String(0.35 + 5.5e-17))).toBe(true);
    expect(valuesEqual('100', '100.0001')).toBe(true);
    expect(valuesEqual('100', '100.01')).toBe(false);
    expect(valuesEqual('NaN', 'NaN')).toBe(true);
    expect(valuesEqual('NaN', '0')).toBe(false);
    expect(valuesEqual('+Inf', '+Inf')).toBe(true);
    expect(valuesEqual('0', '1e-20')).toBe(true);
  });

  it('keys series by their sorted label set, ignoring __name__ and the listed labels', () => {
    const a = [series({ __name__: 'x', b: '2', a: '1', instance: 'i1' }, [[1, '1']])];
    const b = [series({ a: '1', b: '2', instance: 'i2' }, [[1, '1']])];
    expect(compareResults(a, b).equal).toBe(false);
    expect(compareResults(a, b, ['instance']).equal).toBe(true);
  });

  it('reports missing and extra series and the first differing sample', () => {
    const expected = [series({ a: '1' }, [[1, '1'], [2, '2']]), series({ a: '2' }, [[1, '1']])];
    const got = [series({ a: '1' }, [[1, '1'], [2, '3']]), series({ a: '3' }, [[1, '1']])];
    const c = compareResults(expected, got);
    expect(c.equal).toBe(false);
    expect(c.missing).toEqual(['{a="2"}']);
    expect(c.extra).toEqual(['{a="3"}']);
    expect(c.differing[0]).toMatchObject({ key: '{a="1"}', at: 2, expected: '2', got: '3' });
  });

  it('pairs samples by timestamp: a sample the answer filtered out is missing there, not the next one', () => {
    const expected = [series({ a: '1' }, [[10, '5'], [20, '3'], [30, '6']])];
    const filtered = [series({ a: '1' }, [[10, '5'], [30, '6']])];
    expect(compareResults(expected, filtered).differing[0]).toEqual({ key: '{a="1"}', at: 20, expected: '3', got: null });
    const extra = [series({ a: '1' }, [[10, '5'], [15, '4'], [20, '3'], [30, '6']])];
    expect(compareResults(expected, extra).differing[0]).toEqual({ key: '{a="1"}', at: 15, expected: null, got: '4' });
  });

  it('fails when timestamps differ even if the values agree', () => {
    const c = compareResults([series({}, [[1, '1'], [2, '1']])], [series({}, [[2, '1']])]);
    expect(c.equal).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { maskGrafanaVariables } from '../protocol/grafanaVariables.ts';
import { checkSyntax, prometheusParseError } from './syntax.ts';
import { queryFacts } from './queryFacts.ts';

describe('checkSyntax', () => {
  it('accepts valid PromQL of the 2.42 grammar', () => {
    for (const q of ['rate(x[5m])', 'sum by (a) (rate(x{a="b",c=~"d.*"}[1m] offset 1m))', 'x / on(a) group_left y', 'max_over_time(x[1m:10s])']) {
      expect(checkSyntax(q).ok, q).toBe(true);
    }
  });

  it('reports a missing closing bracket at the end with a caret', () => {
    const r = checkSyntax('sum(rate(x[1m])');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('syntax');
      expect(r.error.position).toMatchObject({ line: 1, column: 16 });
      expect(r.error.caret).toBe('sum(rate(x[1m])\n               ^');
    }
  });

  it('reports an unexpected token where it is', () => {
    const r = checkSyntax('x )\n y');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.position).toMatchObject({ line: 1, column: 3 });
  });

  it('reports type errors from the codemirror-promql checker', () => {
    const r = checkSyntax('rate(x)');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('type');
      expect(r.error.message).toMatch(/expected type matrix in call to function "rate"/i);
      expect(r.error.caret).toBe('rate(x)\n     ^');
    }
  });

  it("parses answers with Grafana's variables once they are masked (the editor's linter), keeping real errors where they are", () => {
    for (const q of ['rate(x[$__rate_interval])', 'increase(x[${__range}]) / $__range_s', 'sum(rate(x[[[__interval]]])) * $__interval_ms']) {
      expect(checkSyntax(q).ok, q).toBe(false);
      expect(checkSyntax(maskGrafanaVariables(q)).ok, q).toBe(true);
    }
    const r = checkSyntax(maskGrafanaVariables('rate(x[$__rate_interval]) +'));
    expect(!r.ok && r.error.position).toMatchObject({ column: 28 });
  });

  it('turns a Prometheus parse error into a position on the right line', () => {
    const e = prometheusParseError('x\n+ foo{', '2:6: parse error: unexpected end of input inside braces');
    expect(e).toMatchObject({ kind: 'syntax', position: { line: 2, column: 6, offset: 7 } });
  });

  it("reads the message behind the API's `invalid parameter` prefix, its column counted in bytes", () => {
    // Prometheus 2.42's words for a non-breaking space after a 2-byte "é": byte column 10 is character 9.
    const query = 'x{a="é",\u00a0b="c"}';
    const e = prometheusParseError(query, `invalid parameter "query": 1:10: parse error: unexpected character inside braces: '\\u00a0'`);
    expect(e).toMatchObject({ kind: 'syntax', position: { line: 1, column: 9, offset: 8 } });
    expect(e?.caret).toBe(`${query}\n        ^`);
  });
});

describe('queryFacts', () => {
  it('reads selectors, matchers, ranges, functions and aggregations', () => {
    const f = queryFacts('sum without (instance) (rate(m_total{job="a", b=~"c.*"}[5m])) / on() sum(n[1m:10s])');
    expect(f.selectors.map((s) => s.metric)).toEqual(['m_total', 'n']);
    expect(f.selectors[0]!.matchers.map((m) => `${m.name}${m.op}${m.value}`)).toEqual(['job=a', 'b=~c.*']);
    expect(f.selectors[0]!.range?.seconds).toBe(300);
    expect(f.functions.map((x) => x.name)).toEqual(['rate']);
    expect(f.aggregations.map((a) => [a.op, a.modifier, a.labels])).toEqual([['sum', 'without', ['instance']], ['sum', null, []]]);
    expect(f.subqueries[0]).toMatchObject({ range: { seconds: 60 }, step: { seconds: 10 } });
  });
});

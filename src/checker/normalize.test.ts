import { describe, expect, it } from 'vitest';
import { ChallengeLimits } from '../protocol/challenges.ts';
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { normalizeQuery, stripComments } from './normalize.ts';

const vars = grafanaVariables({ scrapeSeconds: 2, intervalSeconds: 10, rangeSeconds: 300 });

describe('normalizeQuery', () => {
  it('substitutes Grafana variables in all three spellings', () => {
    const n = normalizeQuery('rate(x[$__rate_interval]) + rate(y[${__interval}]) + z[[[__range]]]', vars);
    expect(n).toEqual({ ok: true, query: 'rate(x[12s]) + rate(y[10s]) + z[5m]' });
  });

  it('strips comments but keeps # inside string literals', () => {
    expect(stripComments('x{a="#1"} # the answer\n+ y # more')).toBe('x{a="#1"} \n+ y ');
    expect(normalizeQuery('  # only a comment\n  ', vars)).toMatchObject({ ok: false, error: { kind: 'empty' } });
  });

  it('rejects control and binary characters with their position', () => {
    const n = normalizeQuery('rate(x[1m])\n  \u0000\u0001', vars);
    expect(n.ok).toBe(false);
    if (!n.ok) {
      expect(n.error.kind).toBe('binary');
      expect(n.error.message).toContain('U+0000');
      expect(n.error.position).toMatchObject({ line: 2, column: 3 });
    }
  });

  it('rejects an answer over the length cap without looking at it further', () => {
    const n = normalizeQuery('x'.repeat(ChallengeLimits.MAX_QUERY_CHARS + 1), vars);
    expect(n).toMatchObject({ ok: false, error: { kind: 'too-long' } });
  });

  it('names an unknown variable with a caret under it', () => {
    const n = normalizeQuery('rate(x[$__foo])', vars);
    expect(n.ok).toBe(false);
    if (!n.ok) {
      expect(n.error.message).toContain('$__foo');
      expect(n.error.caret).toBe('rate(x[$__foo])\n       ^~~~~~');
    }
  });
});

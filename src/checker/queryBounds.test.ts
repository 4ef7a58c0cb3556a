import { describe, expect, it } from 'vitest';
import { ChallengeLimits } from '../protocol/challenges.ts';
import { queryBoundsError } from './queryBounds.ts';

describe('queryBoundsError', () => {
  it('accepts lesson-sized answers, signs and brackets inside strings included', () => {
    for (const q of ['sum by (job) (rate(x{a="((((", b=~"-{40}"}[1m]))', 'a - -b', '1e-3 * -x', 'max_over_time(rate(x[1m])[5m:10s]) offset -1m']) {
      expect(queryBoundsError(q), q).toBeNull();
    }
    const deepest = `${'('.repeat(ChallengeLimits.MAX_NESTING_DEPTH)}x${')'.repeat(ChallengeLimits.MAX_NESTING_DEPTH)}`;
    expect(queryBoundsError(deepest)).toBeNull();
  });

  it('refuses nesting past the limit, pointing at the first bracket too many', () => {
    const e = queryBoundsError(`sum(${'('.repeat(2000)}up${')'.repeat(2000)})`);
    expect(e).toMatchObject({ kind: 'too-complex', position: { line: 1, column: 'sum'.length + ChallengeLimits.MAX_NESTING_DEPTH + 1 } });
    expect(e!.message).toMatch(/nested more than 32 deep/);
  });

  it('refuses a long run of unary signs, spaces or not', () => {
    expect(queryBoundsError(`${'-'.repeat(1000)}up`)).toMatchObject({ kind: 'too-complex', position: { column: ChallengeLimits.MAX_UNARY_RUN + 1 } });
    expect(queryBoundsError('x - - + - y')?.kind).toBe('too-complex');
  });
});

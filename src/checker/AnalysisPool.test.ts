import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisPool } from './AnalysisPool.ts';

/** Far past ChallengeLimits (the checker refuses it before analysis): parsing it takes the parser many seconds. */
const DEEP = `${'('.repeat(2000)}up${')'.repeat(2000)}`;

const pool = new AnalysisPool({ size: 1, timeoutMs: 1_000 });
afterAll(() => pool.close());

describe('AnalysisPool', () => {
  it('analyses an answer in a worker: facts, or the syntax error with its position', async () => {
    const good = await pool.analyse('sum by (job) (rate(x{a="b"}[1m]))');
    expect(good).toMatchObject({ status: 'done', result: { ok: true, facts: { functions: [{ name: 'rate' }], aggregations: [{ op: 'sum', labels: ['job'] }] } } });
    const bad = await pool.analyse('sum(rate(x[1m])');
    expect(bad).toMatchObject({ status: 'done', result: { ok: false, error: { kind: 'syntax', position: { line: 1, column: 16 } } } });
  });

  it('stops an analysis over budget, replaces the worker, and the answers queued behind it are analysed', async () => {
    const [slow, next] = await Promise.all([pool.analyse(DEEP), pool.analyse('rate(x[5m])')]);
    expect(slow).toEqual({ status: 'timeout', budgetMs: 1_000 });
    expect(next).toMatchObject({ status: 'done', result: { ok: true } });
    expect(pool.workers).toBe(1);
  });
});

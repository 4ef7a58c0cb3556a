/**
 * Hostile answers against a real Prometheus (offline fixture, started with --query.timeout and
 * --query.max-samples): each gets a clear message from a guard (the checker's or Prometheus'), never the
 * client-side timeout, and a normal check running at the same time still answers.
 */
import { describe, expect, it } from 'vitest';
import { ChallengeLimits } from '../../src/protocol/challenges.ts';
import { checkAnswer } from '../../src/checker/checkAnswer.ts';
import { withOfflineLab } from './offline.ts';

const lab = withOfflineLab();

const challenge = () => lab.challenge('api-destroyed-connections-rate');

describe('hostile answers', () => {
  it('refuses a subquery with a tiny step before it reaches Prometheus', async () => {
    const r = await checkAnswer(challenge(), 'max_over_time(rate({__name__=~".+"}[1m])[1d:1ms])', lab.target);
    expect(r.passed).toBe(false);
    expect(r.error?.kind).toBe('too-expensive');
    expect(r.error?.message).toMatch(/subquery \[1d:1ms\] evaluates 86,400,000 points per step/);
  });

  it("reports Prometheus' sample limit for every series over a long range, while another check still passes", async () => {
    const hostile = checkAnswer(challenge(), 'max_over_time(sum by (job) ({__name__=~".+"})[1h:2s])', lab.target);
    const normal = checkAnswer(challenge(), challenge().reference, lab.target);
    const [h, n] = await Promise.all([hostile, normal]);
    expect(n.passed).toBe(true);
    expect(h.passed).toBe(false);
    expect(h.error?.kind).toBe('too-expensive');
    expect(h.error?.message).toMatch(/too many samples/);
    expect(h.error?.message).not.toMatch(/did not finish in time/);
  });

  it('reports an answer that selects every series plainly and bounds what it returns', async () => {
    const r = await checkAnswer(challenge(), '{__name__=~".+"}', lab.target);
    expect(r.passed).toBe(false);
    expect(r.answer!.series.length).toBeLessThanOrEqual(ChallengeLimits.MAX_SERIES_RETURNED);
    expect(r.answer!.truncated).toBe(true);
  });

  it('refuses a huge answer and a binary one without asking Prometheus', async () => {
    const huge = await checkAnswer(challenge(), `sum(${'x+'.repeat(ChallengeLimits.MAX_QUERY_CHARS)}x)`, lab.target);
    expect(huge.error?.kind).toBe('too-long');
    const binary = await checkAnswer(challenge(), 'rate(x[1m])\u0000\u00ff\ufffd', lab.target);
    expect(binary.error?.kind).toBe('binary');
  });

  it('gives a syntax error with a caret instead of evaluating', async () => {
    const r = await checkAnswer(challenge(), 'sum(rate(envoy_listener_downstream_cx_destroy{job="api"}[1m])', lab.target);
    expect(r.error?.kind).toBe('syntax');
    expect(r.error?.caret?.split('\n')[1]).toMatch(/^ +\^$/);
  });
});

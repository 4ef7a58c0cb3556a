/**
 * Hints that must not mislead, each found with an answer outside the must-fail lists, checked against a
 * real Prometheus (the offline fixture) so its own messages and results are what the hints read.
 */
import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../src/checker/checkAnswer.ts';
import { withOfflineLab } from './offline.ts';

const lab = withOfflineLab();

/** Each series' value at `t` (unix seconds) for `query`, keyed by its labels. */
async function valuesAt(query: string, t: number): Promise<Map<string, string>> {
  const r = await lab.prometheus.client.queryRange(query, { start: t, end: t, step: lab.target.window.step });
  if (!r.ok) throw new Error(r.message);
  return new Map(r.data.map((s) => [JSON.stringify(Object.entries(s.metric).filter(([k]) => k !== '__name__').sort()), s.values[0]![1]]));
}

describe('hints read against a real Prometheus', () => {
  it('"different values" quotes both sides at one timestamp when the answer filters points out', async () => {
    const reference = 'envoy_listener_downstream_cx_active{job="api"}';
    const answer = `${reference} > 4`;
    const r = await checkAnswer(lab.challenge('api-active-connections'), answer, lab.target);
    const hint = r.hints.find((h) => h.id === 'different-values');
    expect(hint, JSON.stringify(r.hints)).toBeDefined();
    const m = /at (\S+Z) your query has no value for `(\{.*\})`, expected (\S+)\. /.exec(hint!.message);
    expect(m, hint!.message).not.toBeNull();
    const t = Date.parse(m![1]!) / 1000;
    const labels = JSON.stringify([...m![2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]).sort());
    // Prometheus itself: the reference has the quoted value there, the answer has none.
    expect((await valuesAt(reference, t)).get(labels)).toBe(m![3]);
    expect((await valuesAt(answer, t)).has(labels)).toBe(false);
  });

  it.each([
    ['a bad regex', 'envoy_listener_downstream_cx_active{job=~"api("}', 'job=~', /error parsing regexp/],
    ['a non-breaking space', 'envoy_listener_downstream_cx_active{job="api",\u00a0service="api"}', '\u00a0', /unexpected character inside braces/],
    ['a non-breaking space after a 2-byte character', 'envoy_listener_downstream_cx_active{job="api", service="é"\u00a0}', '\u00a0', /unexpected character inside braces/],
  ])("puts a caret under Prometheus' own parse error: %s", async (_what, query, at, words) => {
    const r = await checkAnswer(lab.challenge('api-active-connections'), query, lab.target);
    expect(r.error?.kind, JSON.stringify(r.error)).toBe('syntax');
    expect(r.error!.message).toMatch(words);
    expect(r.error!.message).not.toContain('invalid parameter');
    expect(r.error!.position?.offset).toBe(query.indexOf(at));
    expect(r.error!.caret).toBe(`${query}\n${' '.repeat(query.indexOf(at))}^`);
  });

  it('says a label comes from `by`, not from a filter, when the answer keeps one the question merges', async () => {
    const r = await checkAnswer(lab.challenge('closing-connections-per-host'), 'sum by (host, instance) (conntrack_closing_connections{service="api"})', lab.target);
    expect(r.passed).toBe(false);
    expect(r.hints.map((h) => h.id)).not.toContain('label-filter');
    expect(r.hints.find((h) => h.id === 'aggregation')?.message).toMatch(/`sum by \(host, instance\)` keeps the label `instance`/);
  });

  it('says an aggregation dropped a label, not that its filter is wrong', async () => {
    const r = await checkAnswer(lab.challenge('worker-connections-total'), 'sum without (envoy_worker_id) (rate(envoy_listener_worker_downstream_cx_total{envoy_listener_address=~".*_15001"}[1m]))', lab.target);
    expect(r.passed).toBe(false);
    expect(r.hints.map((h) => h.id)).not.toContain('label-filter');
    expect(r.hints.find((h) => h.id === 'aggregation')?.message).toMatch(/`sum without \(envoy_worker_id\)` drops the label `envoy_worker_id`/);
  });

  it('names a selector without a metric name by its name matcher, and a series without labels in words', async () => {
    const churn = await checkAnswer(lab.challenge('payments-connection-churn'), 'sum by (__name__) ({__name__=~"conntrack_(opening|open|closing|closed)_connections", host="localhost:15001", service="ingress"})', lab.target);
    const filter = churn.hints.find((h) => h.id === 'label-filter');
    expect(filter?.message).toContain('`{__name__=~"conntrack_(opening|open|closing|closed)_connections"}`');
    expect(filter?.message).not.toContain('the selector');

    const doubled = await checkAnswer(lab.challenge('pending-overflow-rate'), 'sum(rate(envoy_cluster_upstream_rq_pending_overflow{envoy_cluster_name="api"}[1m])) * 2', lab.target);
    const values = doubled.hints.find((h) => h.id === 'different-values');
    expect(values?.message).toContain('the series without labels');
    expect(values?.message).not.toContain('{}');
  });
});

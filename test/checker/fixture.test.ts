/**
 * The offline fixture tells apart answers the live lab tells apart (labs/connections/fixtures/generate.ts):
 * ranges a second apart, delta() and increase() across a counter reset, a sidecar's requests in and out.
 * Checked with the checker itself on a real Prometheus serving the fixture.
 */
import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../src/checker/checkAnswer.ts';
import { withOfflineLab } from './offline.ts';

const lab = withOfflineLab();

/** An instant query at the end of the offline window. */
async function instant(query: string) {
  const end = lab.target.window.end;
  const r = await lab.prometheus.client.queryRange(query, { start: end, end, step: lab.target.window.step });
  if (!r.ok) throw new Error(r.message);
  return r.data;
}

describe('the offline fixture', () => {
  it('scrapes each target at its own phase with jitter, not exactly every scrape interval', async () => {
    const r = await lab.prometheus.client.call<{ result: { values: [number, string][] }[] }>('/api/v1/query', { query: 'up{job="api"}[1m]', time: String(lab.target.window.end) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const gaps = new Set(r.data.result.flatMap((s) => s.values.slice(1).map(([t], i) => Math.round((t - s.values[i]![0]) * 1000))));
    expect(gaps.size).toBeGreaterThan(1);
    for (const gap of gaps) expect(Math.abs(gap - lab.set.scrapeInterval * 1000)).toBeLessThanOrEqual(100);
  });

  it('resets counters inside the window, the ingress sidecar among them', async () => {
    const window = `${lab.target.window.end - lab.target.window.start}s`;
    const resets = await instant(`resets(envoy_cluster_upstream_rq_pending_overflow{job="ingress"}[${window}]) > 0 or resets(envoy_listener_downstream_cx_destroy{instance="api-2:19000"}[${window}]) > 0`);
    expect([...new Set(resets.map((s) => s.metric.instance))].sort()).toEqual(['api-2:19000', 'ingress:19000']);
  });

  it.each([
    ['a range one second longer than $__rate_interval (12s)', 'api-destroyed-connections-rate', 'rate(envoy_listener_downstream_cx_destroy{envoy_listener_address=~".*_15001"}[13s])'],
    ['delta() for increase() across a counter reset', 'pending-overflow-rate', 'sum(delta(envoy_cluster_upstream_rq_pending_overflow{envoy_cluster_name="api"}[1m])) / 60'],
    ["the ingress' requests out to the api for its requests in", 'ingress-request-rate', 'sum(rate(envoy_cluster_upstream_rq_total{job="ingress", envoy_cluster_name="api"}[1m]))'],
  ])('fails %s', async (_what, id, answer) => {
    const r = await checkAnswer(lab.challenge(id), answer, lab.target);
    expect(r.error).toBeUndefined();
    expect(r.passed).toBe(false);
  });
});

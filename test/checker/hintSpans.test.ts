/**
 * A check's hints point at the part of the answer they are about (Hint.span, in the normalised query),
 * and the explain view of the same answer finds the node holding that part: against a real Prometheus
 * (the offline fixture).
 */
import { describe, expect, it } from 'vitest';
import { checkAnswer, offlineWindow, variablesFor } from '../../src/checker/checkAnswer.ts';
import { explainQuery } from '../../src/checker/explain.ts';
import { hintsByNode } from '../../src/components/promql/Explain/hintNodes.ts';
import type { ExplainNode } from '../../src/protocol/explain.ts';
import { withOfflineLab } from './offline.ts';

const lab = withOfflineLab();

function find(root: ExplainNode, id: number): ExplainNode | undefined {
  if (root.id === id) return root;
  for (const c of root.children) {
    const n = find(c, id);
    if (n) return n;
  }
  return undefined;
}

/** The text each hint of `answer` points at, and the explain node it highlights. */
async function pointers(challengeId: string, answer: string): Promise<{ id: string; text: string; node: string }[]> {
  const c = lab.challenge(challengeId);
  const r = await checkAnswer(c, answer, lab.target);
  const window = offlineWindow(lab.set);
  const explained = await explainQuery(answer, { prometheus: lab.prometheus.client, time: window.end, variables: variablesFor(c, window, lab.set.scrapeInterval) });
  expect(explained.normalizedQuery).toBe(r.normalizedQuery);
  const byNode = hintsByNode(explained.root!, explained.normalizedQuery, r);
  return r.hints
    .filter((h) => h.span)
    .map((h) => {
      const nodeId = [...byNode].find(([, hs]) => hs.includes(h))?.[0];
      return { id: h.id, text: r.normalizedQuery.slice(h.span!.from, h.span!.to), node: nodeId === undefined ? '(none)' : find(explained.root!, nodeId)!.text };
    });
}

describe('hints that point at a part of the answer', () => {
  it('irate instead of rate: the irate() call', async () => {
    const answer = 'sum(irate(envoy_listener_downstream_cx_destroy{envoy_listener_address=~".*_15001"}[$__rate_interval]))';
    const p = await pointers('api-destroyed-connections-rate', answer);
    const irate = p.find((x) => x.id === 'irate-instead-of-rate');
    expect(irate, JSON.stringify(p)).toBeDefined();
    expect(irate!.text).toMatch(/^irate\(envoy_listener_downstream_cx_destroy\{.*\}\[\d+s\]\)$/);
    expect(irate!.node).toBe(irate!.text);
  });

  it('a missing label filter and a wrong metric: the selector', async () => {
    const filter = await pointers('api-active-connections', 'envoy_listener_downstream_cx_active');
    expect(filter.find((x) => x.id === 'label-filter')).toMatchObject({ text: 'envoy_listener_downstream_cx_active', node: 'envoy_listener_downstream_cx_active' });
    const metric = await pointers('api-active-connections', 'sum(envoy_listener_downstream_cx_total{job="api"})');
    expect(metric.find((x) => x.id === 'wrong-metric')).toMatchObject({ text: 'envoy_listener_downstream_cx_total{job="api"}', node: 'envoy_listener_downstream_cx_total{job="api"}' });
  });

  it('an aggregation that keeps a label: the aggregation', async () => {
    const answer = 'sum by (host, instance) (conntrack_closing_connections{service="api"})';
    const p = await pointers('closing-connections-per-host', answer);
    expect(p.find((x) => x.id === 'aggregation')).toMatchObject({ text: answer, node: answer });
  });
});

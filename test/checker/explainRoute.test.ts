/**
 * POST /api/explain through the real gateway, every node evaluated on a real Prometheus (the offline
 * fixture of the connections lab), at the end of the offline window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLAIN_PATH, type ExplainNode, type ExplainResponse } from '../../src/protocol/explain.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import type { PrometheusClient } from '../../src/checker/prometheusClient.ts';
import { explainRoutes } from '../../src/server/routes/explain.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, type OfflineLab } from './offline.ts';

let lab: OfflineLab;
let gw: TestGateway;
let labUp = true;

beforeAll(async () => {
  lab = await startOfflineLab();
  gw = await startGateway({
    routes: explainRoutes({ set: lab.set, prometheus: (): PrometheusClient | null => (labUp ? lab.prometheus.client : null), window: () => offlineWindow(lab.set) }),
  });
}, 300_000);
afterAll(async () => {
  await gw?.close();
  await lab?.prometheus.stop();
});

async function explain(body: unknown): Promise<{ status: number; body: ExplainResponse & { code?: string } }> {
  const res = await fetch(`${gw.url}${EXPLAIN_PATH}`, { method: 'POST', headers: { cookie: gw.cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as ExplainResponse & { code?: string } };
}

function nodes(root: ExplainNode): ExplainNode[] {
  return [root, ...root.children.flatMap(nodes)];
}

/** Ten nodes: two aggregated rates divided with on(), times 100, rounded (the bench's query: bench/explain.ts). */
const TEN_NODES =
  'round((sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{envoy_cluster_name="payments"}[1m])) / on(envoy_cluster_name) sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_cx_total{envoy_cluster_name="payments"}[1m]))) * 100)';

describe('POST /api/explain', () => {
  it('explains every node of a query with its words, series count and a sample series from the lab', async () => {
    const r = await explain({ query: TEN_NODES });
    expect(r.status).toBe(200);
    expect(r.body.error).toBeUndefined();
    expect(r.body.evaluatedAt).toBe(offlineWindow(lab.set).end);
    const all = nodes(r.body.root!);
    expect(all.map((n) => n.kind)).toEqual(['function', 'binary', 'binary', 'aggregation', 'function', 'range-selector', 'aggregation', 'function', 'range-selector', 'number']);
    for (const n of all) {
      expect(n.error, n.text).toBeUndefined();
      // The aggregations keep one series (payments), the rates and selectors one per scraped sidecar.
      expect(n.seriesCount, n.text).toBeGreaterThanOrEqual(1);
      expect(n.text).toBe(r.body.normalizedQuery.slice(n.span.from, n.span.to));
    }
    const [round, times, ratio, sum, rate, range] = all;
    expect(round!.words).toBe('Rounds each value to the nearest integer.');
    expect(sum!.seriesCount).toBe(1);
    expect(ratio!.seriesCount).toBe(1);
    expect(times!.words).toMatch(/^Multiplies each series on the left by 100 /);
    expect(ratio!.words).toContain('Series match when their labels `envoy_cluster_name` are equal (on). One-to-one');
    expect(sum!.sample!.labels).toEqual({ envoy_cluster_name: 'payments' });
    expect(rate!.resultType).toBe('vector');
    expect(rate!.sample!.labels).toMatchObject({ envoy_cluster_name: 'payments', job: expect.any(String) });
    expect(Number(rate!.sample!.value)).toBeGreaterThan(0);
    // A range selector's result is a range: its sample says how many points the series has in it.
    expect(range!.resultType).toBe('matrix');
    expect(range!.sample!.samples).toBeGreaterThan(1);
    expect(range!.sample!.labels.__name__).toBe('envoy_cluster_upstream_rq_total');
    expect(all.at(-1)).toMatchObject({ kind: 'number', resultType: 'scalar', seriesCount: 1, sample: { value: '100' } });
  });

  it("substitutes Grafana's variables and a challenge's own as its check does, so spans are in that text", async () => {
    const c = lab.challenge('api-destroyed-connections-rate');
    const r = await explain({ query: `# the reference\n${c.reference}`, challenge: c.id });
    expect(r.status).toBe(200);
    expect(r.body.normalizedQuery).not.toContain('$');
    expect(r.body.normalizedQuery).toMatch(/\[\d+s\]\)$/);
    expect(r.body.root!.kind).toBe('function');
    expect(r.body.root!.seriesCount).toBeGreaterThan(0);
    expect(r.body.root!.children[0]!.words).toContain('matches the regex ".*_15001"');
  });

  it('gives an error per node Prometheus cannot evaluate, and counts for the rest', async () => {
    // Every series matches every other with on(): Prometheus refuses the many-to-many match.
    const r = await explain({ query: 'envoy_cluster_upstream_cx_active - on() envoy_cluster_upstream_cx_active' });
    expect(r.status).toBe(200);
    const [binary, left, right] = nodes(r.body.root!);
    expect(binary!.error).toMatch(/many|duplicate|match/i);
    expect(binary!.seriesCount).toBeNull();
    expect(left!.seriesCount).toBeGreaterThan(1);
    expect(right!.seriesCount).toBe(left!.seriesCount);
    // A selector for nothing: zero series, no sample.
    const none = await explain({ query: 'no_such_metric' });
    expect(none.body.root).toMatchObject({ seriesCount: 0, sample: null });
  });

  it('answers a query that does not parse with its error and caret, and no tree', async () => {
    const r = await explain({ query: 'sum(rate(x[1m])' });
    expect(r.status).toBe(200);
    expect(r.body.root).toBeUndefined();
    expect(r.body.error).toMatchObject({ kind: 'syntax', position: { line: 1, column: 16 } });
    const deep = await explain({ query: `${'('.repeat(40)}x${')'.repeat(40)}` });
    expect(deep.body.error?.kind).toBe('too-complex');
  });

  it('refuses a bad body, an unknown challenge, and answers 503 while the lab is down', async () => {
    expect((await explain({ q: 'x' })).status).toBe(400);
    const unknown = await explain({ query: 'x', challenge: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('PB_UNKNOWN_CHALLENGE');
    labUp = false;
    try {
      const down = await explain({ query: 'x' });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('PB_LAB_NOT_READY');
    } finally {
      labUp = true;
    }
  });
});

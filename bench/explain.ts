/**
 * `npm run bench:explain`: how long the explain view of a 10-node query takes, p50/p95/max, against a
 * live connections lab: the instance given by --prometheus URL, else a fresh one this bench starts
 * (prefix `pbe`) and stops. Each round is one POST /api/explain through a real gateway (explainRoutes,
 * as `patchbay serve` mounts it): bounds, tree built in the analysis worker, every node evaluated on the
 * lab's Prometheus. The explain's own durationMs (without HTTP) is printed beside it.
 *
 *   npm run bench:explain -- [--rounds 200] [--prometheus http://127.0.0.1:9090]
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadChallenges } from '../src/checker/challenges.ts';
import { sharedAnalysisPool } from '../src/checker/AnalysisPool.ts';
import { PrometheusClient } from '../src/checker/prometheusClient.ts';
import { startLab } from '../src/lab/startLab.ts';
import { EXPLAIN_PATH, type ExplainNode, type ExplainResponse } from '../src/protocol/explain.ts';
import { explainRoutes } from '../src/server/routes/explain.ts';
import { startGateway } from '../test/helpers/gateway.ts';
import { percentile } from './stats.ts';

const BenchDefaults = {
  ROUNDS: 200,
  /** Two scrapes' worth and a little more, so the rates have samples (the numbers are timed either way). */
  LIVE_WARMUP_MS: 10_000,
  PREFIX: 'pbe',
} as const;

/** Ten nodes: round, ×, ÷ with on(), two sums of rates of range selectors, a number. */
const QUERY =
  'round((sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{envoy_cluster_name="payments"}[$__rate_interval])) / on(envoy_cluster_name) sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_cx_total{envoy_cluster_name="payments"}[$__rate_interval]))) * 100)';

function count(n: ExplainNode): number {
  return 1 + n.children.reduce((s, c) => s + count(c), 0);
}

const { values } = parseArgs({ options: { rounds: { type: 'string' }, prometheus: { type: 'string' } } });
const rounds = Number(values.rounds ?? BenchDefaults.ROUNDS);
const loaded = await loadChallenges('connections');
if (!loaded.ok) throw new Error('labs/connections/challenges.yaml is invalid');
const set = loaded.set;

let url = values.prometheus ?? null;
let stopLab: (() => Promise<void>) | null = null;
if (!url) {
  const t0 = performance.now();
  const started = await startLab({ lab: 'connections', prefix: BenchDefaults.PREFIX });
  if (!started.ok) throw new Error(`the lab did not start: ${started.message}`);
  stopLab = () => started.instance.stop();
  url = started.instance.prometheusUrl;
  console.log(`lab instance ${started.instance.id} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; letting Prometheus scrape for ${BenchDefaults.LIVE_WARMUP_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, BenchDefaults.LIVE_WARMUP_MS));
}
if (!url) throw new Error('no Prometheus');
const client = new PrometheusClient(url);
const gw = await startGateway({ cgroupParent: null, routes: explainRoutes({ set, prometheus: () => client }) });
try {
  const explain = async (): Promise<{ ms: number; body: ExplainResponse }> => {
    const t0 = performance.now();
    const res = await fetch(`${gw.url}${EXPLAIN_PATH}`, { method: 'POST', headers: { cookie: gw.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    const body = (await res.json()) as ExplainResponse;
    const ms = performance.now() - t0;
    if (res.status !== 200 || !body.root) throw new Error(`explain answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return { ms, body };
  };
  // Untimed: the first explain starts the analysis worker and warms Prometheus' caches.
  const first = await explain();
  const nodes = count(first.body.root!);
  const failed = JSON.stringify(first.body.root).match(/"error"/g)?.length ?? 0;
  console.log(`explain bench: ${rounds} rounds of a ${nodes}-node query on ${url} (${failed} nodes failed to evaluate)`);
  const http: number[] = [];
  const inside: number[] = [];
  const tree: number[] = [];
  const normalized = first.body.normalizedQuery;
  for (let i = 0; i < rounds; i++) {
    const r = await explain();
    http.push(r.ms);
    inside.push(r.body.durationMs);
    // Where the time goes: the tree alone (bounds and parse in the analysis worker, no Prometheus).
    const t0 = performance.now();
    await sharedAnalysisPool().explain(normalized);
    tree.push(performance.now() - t0);
  }
  const f = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms  p95 ${percentile(xs, 95).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`POST /api/explain (through the gateway): ${f(http)}`);
  console.log(`explainQuery (durationMs, without HTTP):  ${f(inside)}`);
  console.log(`of which the tree (analysis worker):     ${f(tree)}`);
  console.log(`machine load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (${availableParallelism()} cores)`);
} finally {
  await gw.close();
  await sharedAnalysisPool().close();
  await stopLab?.();
}

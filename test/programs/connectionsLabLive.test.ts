/**
 * The connections lab brought up for real (network namespaces, the built programs, Prometheus): traffic
 * flows tools → ingress → api → payments, the api opens a connection per call to its sidecar, labctl
 * reaches the sidecars by host name, and Prometheus scrapes every target with its labels.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { ROOT, waitFor } from './helpers.ts';

/** This area's prefix for namespaces, links and state (the runtime adds a random part). */
const PREFIX = 'pbd';

let lab: LabInstance;
let runtimeDir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/buildPrograms.mjs'], { cwd: ROOT, stdio: 'ignore' });
  runtimeDir = mkdtempSync(join(tmpdir(), 'pbd-rt-'));
  const r = await startLab({ lab: 'connections', prefix: PREFIX, runtimeDir });
  if (!r.ok) throw new Error(`lab did not start: ${r.message} ${JSON.stringify(r.errors)}`);
  lab = r.instance;
});

afterAll(async () => {
  await lab?.stop();
  if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
});

async function sh(host: string, script: string): Promise<string> {
  const r = await lab.exec(host, ['bash', '-c', script], { timeoutMs: 20_000 });
  if (r.exitCode !== 0) throw new Error(`${host}$ ${script}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

function statsOf(text: string): Map<string, number> {
  return new Map(text.trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(': ')), Number(l.slice(l.lastIndexOf(': ') + 2))] as [string, number]));
}

describe('connections lab, live', () => {
  it('carries a request from tools through the ingress and the api to payments', async () => {
    const body = JSON.parse(await sh('tools', 'curl -sf http://ingress:20000/checkout')) as { service: string; upstream: { service: string } };
    expect(body).toMatchObject({ service: 'api', upstream: { service: 'payments', ok: true } });
    expect(await sh('tools', 'curl -s -o /dev/null -w "%{http_code} %header{server}" http://ingress:20000/checkout')).toBe('200 envoy');
  });

  it('shows the api opening one connection per call on its outbound listener', async () => {
    await waitFor(async () => statsOf(await sh('api', 'curl -s localhost:19000/stats?filter=^http.upstream_payments')).get('http.upstream_payments.downstream_rq_total')! > 20, 'background traffic');
    const s = statsOf(await sh('api', 'curl -s "localhost:19000/stats?filter=(127.0.0.1_15001|upstream_payments)"'));
    const rq = s.get('http.upstream_payments.downstream_rq_total')!;
    const cx = s.get('listener.127.0.0.1_15001.downstream_cx_total')!;
    // Counted a moment apart: they differ by at most the connections open right now.
    expect(Math.abs(cx - rq)).toBeLessThanOrEqual(s.get('listener.127.0.0.1_15001.downstream_cx_active')! + 1);
    // On the public listener the ingress keeps its connections: far fewer than requests.
    const pub = statsOf(await sh('api', 'curl -s "localhost:19000/stats?filter=^(listener.0.0.0.0_20000|http.public_listener)"'));
    expect(pub.get('listener.0.0.0.0_20000.downstream_cx_active')!).toBeGreaterThan(0);
  });

  it('lets labctl on the tools host set, show and reset a sidecar threshold by host name', async () => {
    expect(await sh('tools', 'labctl breaker ingress --max-connections 3 --max-pending 4')).toBe('ingress: cluster api: max_connections=3 max_pending_requests=4 max_requests=1024 max_retries=3\n');
    expect(await sh('tools', 'curl -s ingress:19000/clusters')).toContain('api::default_priority::max_connections::3\n');
    expect(await sh('tools', 'labctl show ingress')).toContain('ingress: sidecar cluster api: max_connections=3');
    await sh('tools', 'labctl breaker ingress --reset');
    expect(await sh('tools', 'mesh client api pooled')).toBe('api: client pooled (calls http://127.0.0.1:15001/pay)\n');
    await sh('tools', 'mesh client api per-request');
  });

  it('has Prometheus scrape every sidecar, exporter and app with job and service labels', async () => {
    const query = async (q: string) =>
      (JSON.parse(await sh('tools', `curl -s -G http://prometheus:9090/prometheus/api/v1/query --data-urlencode 'query=${q}'`)) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
    await waitFor(async () => (await query('up == 1')).length === 9, 'every target up', 30_000);
    const targets = (await query('up')).map((x) => `${x.metric.job} ${x.metric.instance} ${x.metric.service ?? '-'}`).sort();
    expect(targets).toEqual([
      'api api:19000 api',
      'app api:8080 api',
      'app payments:8080 payments',
      'conntrack api:9318 api',
      'conntrack ingress:9318 ingress',
      'conntrack payments:9318 payments',
      'ingress ingress:19000 ingress',
      'payments payments:19000 payments',
      'prometheus localhost:9090 -',
    ]);
  });
});

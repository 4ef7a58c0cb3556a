/**
 * The sidecar with real sockets on 127.0.0.1: connection stats, per-worker series, circuit breaking and
 * overflow, the admin API (promtool, jq) and run-time thresholds. The sidecar runs in this process; the
 * upstream is a real HTTP server; the load generator and the API service run as real processes.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../labs/programs/sidecar/bootstrap.ts';
import { OVERFLOW_BODY } from '../../labs/programs/sidecar/listener.ts';
import { Sidecar } from '../../labs/programs/sidecar/sidecar.ts';
import { bootstrapYaml, fetchText, freePort, get, run, runProgram, stat, stats, Upstream, waitFor } from './helpers.ts';

interface Rig {
  sidecar: Sidecar;
  upstream: Upstream;
  admin: number;
  port: number;
  url: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(opts: { concurrency?: number; thresholds?: string; commonHttpOptions?: string } = {}): Promise<Rig> {
  const upstream = new Upstream();
  const upstreamPort = await upstream.listen();
  cleanups.push(() => upstream.close());
  const [admin, port] = [await freePort(), await freePort()];
  let thresholds = opts.thresholds ?? '';
  if (opts.commonHttpOptions) {
    thresholds += `    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: { ${opts.commonHttpOptions} }
        explicit_http_config: { http_protocol_options: {} }
`;
  }
  const parsed = parseBootstrap(bootstrapYaml({ adminPort: admin, listenerPort: port, upstreamPort, thresholds }));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const sidecar = new Sidecar({ bootstrap: parsed.bootstrap, concurrency: opts.concurrency ?? 1 });
  await sidecar.start();
  cleanups.push(() => sidecar.stop());
  return { sidecar, upstream, admin, port, url: `http://127.0.0.1:${port}/pay` };
}

const breakers = (maxConnections: number, maxPending: number) => `    circuit_breakers:
      thresholds:
      - priority: DEFAULT
        max_connections: ${maxConnections}
        max_pending_requests: ${maxPending}
        track_remaining: true
`;

describe('sidecar connection stats', () => {
  it('counts one downstream connection per request for a client without keep-alive, and destroys each', async () => {
    const r = await rig();
    const L = `listener.127.0.0.1_${r.port}.`;
    for (let i = 1; i <= 5; i++) {
      const reply = await get(r.url, false, { connection: 'close' });
      expect(reply.status).toBe(200);
      await waitFor(async () => stat(await stats(r.admin), L + 'downstream_cx_destroy') === i, `destroy ${i}`);
      const s = await stats(r.admin);
      expect(stat(s, L + 'downstream_cx_total')).toBe(i);
      expect(stat(s, L + 'downstream_cx_active')).toBe(0);
    }
    const s = await stats(r.admin);
    expect(stat(s, 'http.upstream_payments.downstream_rq_total')).toBe(5);
    expect(stat(s, 'http.upstream_payments.downstream_rq_2xx')).toBe(5);
    // Upstream, the sidecar's own pool kept one keep-alive connection for all five requests.
    expect(stat(s, 'cluster.payments.upstream_cx_total')).toBe(1);
    expect(stat(s, 'cluster.payments.upstream_rq_total')).toBe(5);
  });

  it('keeps downstream_cx_total flat while a pooled client keeps sending', async () => {
    const r = await rig();
    const L = `listener.127.0.0.1_${r.port}.`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    for (let i = 0; i < 20; i++) expect((await get(r.url, agent)).status).toBe(200);
    const s = await stats(r.admin);
    expect(stat(s, L + 'downstream_cx_total')).toBe(1);
    expect(stat(s, L + 'downstream_cx_active')).toBe(1);
    expect(stat(s, L + 'downstream_cx_destroy')).toBe(0);
    expect(stat(s, 'http.upstream_payments.downstream_rq_total')).toBe(20);
  });

  it('splits connections over workers whose series add up to the listener totals, so sum() over both forms double-counts', async () => {
    const r = await rig({ concurrency: 2 });
    const agents = Array.from({ length: 24 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    cleanups.push(() => agents.forEach((a) => a.destroy()));
    await Promise.all(agents.map((a) => get(r.url, a)));
    const prom = await fetchText(`http://127.0.0.1:${r.admin}/stats/prometheus`);
    const values = (metric: string) =>
      prom
        .split('\n')
        .filter((l) => l.startsWith(metric + '{'))
        .map((l) => ({ labels: l.slice(l.indexOf('{'), l.indexOf('}') + 1), value: Number(l.split(' ').pop()) }));
    const total = values('envoy_listener_downstream_cx_active');
    const perWorker = values('envoy_listener_worker_downstream_cx_active');
    expect(total).toEqual([{ labels: `{envoy_listener_address="127.0.0.1_${r.port}"}`, value: 24 }]);
    expect(perWorker.map((w) => w.labels)).toEqual([
      `{envoy_worker_id="0",envoy_listener_address="127.0.0.1_${r.port}"}`,
      `{envoy_worker_id="1",envoy_listener_address="127.0.0.1_${r.port}"}`,
    ]);
    // The kernel-like hash spreads 24 clients over both workers; the workers' figures differ from the total.
    for (const w of perWorker) expect(w.value).toBeGreaterThan(0);
    expect(perWorker.reduce((a, w) => a + w.value, 0)).toBe(24);
    // Old Envoy put per-worker series under the listener's own name: a sum() then counts everything twice.
    const oldFormSum = [...total, ...perWorker].reduce((a, w) => a + w.value, 0);
    expect(oldFormSum).toBe(48);
    const totals = values('envoy_listener_worker_downstream_cx_total');
    expect(totals.reduce((a, w) => a + w.value, 0)).toBe(values('envoy_listener_downstream_cx_total')[0]!.value);
  });
});

describe('circuit breaking', () => {
  it('holds upstream_cx_active at max_connections, opens cx_open and queues the rest', async () => {
    // One worker: with N workers Envoy lets each empty pool open one connection past the limit.
    const r = await rig({ thresholds: breakers(5, 1024) });
    r.upstream.hold = true;
    const agents = Array.from({ length: 10 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    cleanups.push(() => agents.forEach((a) => a.destroy()));
    const replies = Promise.all(agents.map((a) => get(r.url, a)));
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_rq_pending_active') === 5 && r.upstream.held.length === 5, '5 held, 5 queued');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_cx_active')).toBe(5);
    expect(stat(s, 'cluster.payments.upstream_rq_active')).toBe(5);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.cx_open')).toBe(1);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.remaining_cx')).toBe(0);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.rq_pending_open')).toBe(0);
    expect(stat(s, 'cluster.payments.upstream_cx_overflow')).toBeGreaterThanOrEqual(5);
    expect(stat(s, `listener.127.0.0.1_${r.port}.downstream_cx_active`)).toBe(10);
    // Released, the queued requests run on the same five connections: latency, not errors.
    const drain = setInterval(() => r.upstream.releaseAll(), 5);
    const all = await replies;
    clearInterval(drain);
    expect(all.map((a) => a.status)).toEqual(Array(10).fill(200));
    const after = await stats(r.admin);
    expect(stat(after, 'cluster.payments.upstream_cx_total')).toBe(5);
    expect(stat(after, 'cluster.payments.upstream_rq_pending_active')).toBe(0);
    expect(stat(after, 'cluster.payments.circuit_breakers.default.cx_open')).toBe(1);
  });

  it('answers a local 503 with x-envoy-overloaded and the overflow body when the pending queue is full', async () => {
    const r = await rig({ thresholds: breakers(5, 5) });
    r.upstream.hold = true;
    const agents = Array.from({ length: 11 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    cleanups.push(() => agents.forEach((a) => a.destroy()));
    const first = Promise.all(agents.slice(0, 10).map((a) => get(r.url, a)));
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_rq_pending_active') === 5 && r.upstream.held.length === 5, 'queue full');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.rq_pending_open')).toBe(1);
    const refused = await get(r.url, agents[10]!);
    expect(refused.status).toBe(503);
    expect(refused.headers['x-envoy-overloaded']).toBe('true');
    expect(refused.body).toBe(OVERFLOW_BODY);
    expect(refused.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
    const drain = setInterval(() => r.upstream.releaseAll(), 5);
    expect((await first).map((a) => a.status)).toEqual(Array(10).fill(200));
    clearInterval(drain);
    const after = await stats(r.admin);
    expect(stat(after, 'cluster.payments.upstream_rq_pending_overflow')).toBe(1);
    expect(stat(after, 'cluster.payments.upstream_rq_503')).toBe(1);
    expect(stat(after, 'http.upstream_payments.downstream_rq_5xx')).toBe(1);
  });

  it('counts exactly as many upstream_rq_pending_overflow as the load generator sees Code 503', async () => {
    const r = await rig({ concurrency: 2, thresholds: breakers(2, 2) });
    r.upstream.delayMs = 20;
    const out = await runProgram('load', ['-c', '16', '-qps', '0', '-n', '400', r.url]);
    expect(out.code).toBe(0);
    const code503 = Number(/^Code 503 : (\d+) /m.exec(out.stdout)?.[1] ?? 0);
    const code200 = Number(/^Code 200 : (\d+) /m.exec(out.stdout)?.[1] ?? 0);
    expect(code503).toBeGreaterThan(0);
    expect(code200 + code503).toBe(400);
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_rq_pending_overflow')).toBe(code503);
    expect(stat(s, 'cluster.payments.upstream_rq_503')).toBe(code503);
    // Two workers, limit 2: each worker's pool may hold at most the limit (one each past it when empty).
    expect(stat(s, 'cluster.payments.upstream_cx_total')).toBeLessThanOrEqual(4);
  });

  it('applies new thresholds at run time without dropping an open keep-alive connection', async () => {
    const r = await rig({ thresholds: breakers(100, 100) });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const before = await get(r.url, agent);
    const upstreamConnectionsBefore = r.upstream.connections;
    const res = await fetch(`http://127.0.0.1:${r.admin}/runtime_modify?circuit_breakers.payments.default.max_connections=1&circuit_breakers.payments.default.max_pending_requests=0`, { method: 'POST' });
    expect(res.status).toBe(200);
    const clusters = await fetchText(`http://127.0.0.1:${r.admin}/clusters`);
    expect(clusters).toContain('payments::default_priority::max_connections::1\n');
    expect(clusters).toContain('payments::default_priority::max_pending_requests::0\n');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.cx_open')).toBe(1);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.rq_pending_open')).toBe(1);
    // The same downstream socket and the same upstream connection keep serving.
    const after = await get(r.url, agent);
    expect(after.status).toBe(200);
    expect(after.localPort).toBe(before.localPort);
    expect(r.upstream.connections).toBe(upstreamConnectionsBefore);
    const s2 = await stats(r.admin);
    expect(stat(s2, `listener.127.0.0.1_${r.port}.downstream_cx_destroy`)).toBe(0);
    expect(stat(s2, 'cluster.payments.upstream_cx_destroy')).toBe(0);
    // A bad value is refused and changes nothing; an empty value restores the configured limit.
    const bad = await fetch(`http://127.0.0.1:${r.admin}/runtime_modify?circuit_breakers.payments.default.max_connections=-3`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('must be a non-negative integer');
    await fetch(`http://127.0.0.1:${r.admin}/runtime_modify?circuit_breakers.payments.default.max_connections=`, { method: 'POST' });
    expect(await fetchText(`http://127.0.0.1:${r.admin}/clusters`)).toContain('payments::default_priority::max_connections::100\n');
  });

  it('closes an upstream connection after max_requests_per_connection requests', async () => {
    const r = await rig({ commonHttpOptions: 'max_requests_per_connection: 3' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    for (let i = 0; i < 7; i++) expect((await get(r.url, agent)).status).toBe(200);
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_cx_max_requests') === 2, 'two connections retired');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_cx_total')).toBe(3);
    expect(r.upstream.connections).toBe(3);
  });
});

describe('upstream failures', () => {
  it('answers 503 with the connection-failure reason and counts upstream_cx_connect_fail when nothing listens', async () => {
    const r = await rig();
    await r.upstream.close(); // the cluster's endpoint now refuses connections
    const reply = await get(r.url);
    expect(reply.status).toBe(503);
    expect(reply.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    expect(reply.headers['x-envoy-overloaded']).toBeUndefined();
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_cx_connect_fail')).toBe(1);
    expect(stat(s, 'cluster.payments.upstream_cx_active')).toBe(0);
    expect(stat(s, 'cluster.payments.upstream_rq_pending_active')).toBe(0);
    expect(stat(s, 'cluster.payments.upstream_rq_503')).toBe(1);
  });
});

describe('clients that leave', () => {
  it('takes a waiting request out of the queue and closes the upstream of one in flight', async () => {
    const r = await rig({ thresholds: breakers(1, 10) });
    r.upstream.hold = true;
    const inFlight = request(r.url);
    inFlight.on('error', () => {});
    inFlight.end();
    await waitFor(() => r.upstream.held.length === 1, 'first request at the upstream');
    const waiting = request(r.url);
    waiting.on('error', () => {});
    waiting.end();
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_rq_pending_active') === 1, 'second request queued');
    waiting.destroy();
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_rq_pending_active') === 0, 'queue empty again');
    inFlight.destroy();
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_cx_destroy') === 1, 'upstream connection closed');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_rq_active')).toBe(0);
    expect(stat(s, 'cluster.payments.circuit_breakers.default.cx_open')).toBe(0);
    r.upstream.hold = false;
    expect((await get(r.url)).status).toBe(200);
  });
});

describe('upstream idle timeout', () => {
  it('closes an upstream connection left unused for idle_timeout, and only that one', async () => {
    const r = await rig({ commonHttpOptions: 'idle_timeout: 0.3s' });
    r.upstream.hold = true;
    const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
    cleanups.push(() => agents.forEach((a) => a.destroy()));
    const two = Promise.all(agents.map((a) => get(r.url, a)));
    await waitFor(() => r.upstream.held.length === 2, 'two upstream connections busy');
    r.upstream.hold = false;
    r.upstream.releaseAll();
    await two;
    expect(stat(await stats(r.admin), 'cluster.payments.upstream_cx_active')).toBe(2);
    await waitFor(async () => stat(await stats(r.admin), 'cluster.payments.upstream_cx_idle_timeout') === 2, 'both idle connections closed');
    const s = await stats(r.admin);
    expect(stat(s, 'cluster.payments.upstream_cx_active')).toBe(0);
    expect(stat(s, 'cluster.payments.upstream_cx_destroy')).toBe(2);
    // Downstream keep-alive connections are not affected.
    expect(stat(s, `listener.127.0.0.1_${r.port}.downstream_cx_active`)).toBe(2);
    expect((await get(r.url, agents[0]!)).status).toBe(200);
  });
});

describe('admin API', () => {
  it('serves /stats/prometheus that passes promtool check metrics, with every contract name and its labels', async () => {
    const r = await rig({ concurrency: 2, thresholds: breakers(5, 5) });
    await get(r.url);
    const prom = await fetchText(`http://127.0.0.1:${r.admin}/stats/prometheus`);
    const check = await run('promtool', ['check', 'metrics'], prom);
    // promtool 2.42 parses (exit 1 on a format error) and then lints (exit 3). Envoy's names have no
    // `_total` and no HELP by contract, so those two lint findings are expected and nothing else.
    expect(check.stdout + check.stderr).not.toContain('error while linting');
    expect([0, 3]).toContain(check.code);
    const findings = (check.stdout + check.stderr).trim().split('\n').filter(Boolean);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f).toMatch(/^envoy_[a-z0-9_]+ (no help text|counter metrics should have "_total" suffix)$/);
    const A = `envoy_listener_address="127.0.0.1_${r.port}"`;
    const C = 'envoy_cluster_name="payments"';
    const H = 'envoy_http_conn_manager_prefix="upstream_payments"';
    const expected = [
      `# TYPE envoy_listener_downstream_cx_total counter`,
      `envoy_listener_downstream_cx_total{${A}} 1`,
      `envoy_listener_downstream_cx_destroy{${A}} `,
      `envoy_listener_downstream_cx_active{${A}} `,
      `# TYPE envoy_listener_worker_downstream_cx_active gauge`,
      `envoy_listener_worker_downstream_cx_active{envoy_worker_id="0",${A}} `,
      `envoy_listener_worker_downstream_cx_total{envoy_worker_id="1",${A}} `,
      `envoy_http_downstream_cx_active{${H}} `,
      `envoy_http_downstream_cx_total{${H}} 1`,
      `envoy_http_downstream_rq_total{${H}} 1`,
      `envoy_http_downstream_rq_xx{${H},envoy_response_code_class="2"} 1`,
      ...['upstream_cx_active', 'upstream_rq_active', 'upstream_rq_pending_active'].map((n) => `# TYPE envoy_cluster_${n} gauge`),
      ...[
        'upstream_cx_total', 'upstream_cx_http1_total', 'upstream_cx_destroy', 'upstream_cx_connect_fail', 'upstream_cx_overflow',
        'upstream_cx_max_requests', 'upstream_rq_total', 'upstream_rq_pending_total', 'upstream_rq_pending_overflow',
      ].map((n) => `# TYPE envoy_cluster_${n} counter`),
      `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",${C}} 1`,
      `envoy_cluster_upstream_rq{envoy_response_code="200",${C}} 1`,
      ...['cx_open', 'rq_pending_open', 'rq_open', 'rq_retry_open', 'remaining_cx', 'remaining_pending', 'remaining_rq', 'remaining_retries'].map(
        (n) => `# TYPE envoy_cluster_circuit_breakers_default_${n} gauge`,
      ),
      `envoy_cluster_circuit_breakers_default_cx_open{${C}} 0`,
      `envoy_cluster_circuit_breakers_default_remaining_pending{${C}} 5`,
    ];
    for (const line of expected) expect(prom).toContain(line);
    expect(prom).not.toContain('# HELP');
    const typeLines = prom.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  it('lets a jq query over /config_dump select the outbound listener with its address and route', async () => {
    const r = await rig();
    const dump = await fetchText(`http://127.0.0.1:${r.admin}/config_dump`);
    const q = `.configs[] | select(."@type" | test("ListenersConfigDump")) | .static_listeners[] | {name: .listener.name, listener: .listener.address, config: .listener.filter_chains[].filters[].typed_config.route_config}`;
    const out = await run('jq', ['-c', q], dump);
    expect(out.code).toBe(0);
    const sel = JSON.parse(out.stdout) as { name: string; listener: unknown; config: { name: string; virtual_hosts: { routes: { route: { cluster: string } }[] }[] } };
    expect(sel.name).toBe(`outbound_listener:127.0.0.1:${r.port}`);
    expect(sel.listener).toEqual({ socket_address: { address: '127.0.0.1', port_value: r.port } });
    expect(sel.config.name).toBe('payments');
    expect(sel.config.virtual_hosts[0]!.routes[0]!.route.cluster).toBe('payments');
    const types = await run('jq', ['-r', '.configs[]."@type"'], dump);
    expect(types.stdout.trim().split('\n')).toEqual([
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
  });

  it('filters /stats by regex, by use, and as JSON; answers /ready and /server_info', async () => {
    const r = await rig({ concurrency: 3 });
    const filtered = await fetchText(`http://127.0.0.1:${r.admin}/stats?filter=downstream_cx_total$`);
    expect(filtered.trim().split('\n').every((l) => /downstream_cx_total: \d+$/.test(l))).toBe(true);
    expect(filtered).toContain(`listener.127.0.0.1_${r.port}.worker_2.downstream_cx_total: 0`);
    const used = await fetchText(`http://127.0.0.1:${r.admin}/stats?usedonly&filter=worker`);
    expect(used).toBe('');
    const json = JSON.parse(await fetchText(`http://127.0.0.1:${r.admin}/stats?format=json&filter=^server`)) as { stats: { name: string; value: number }[] };
    expect(json.stats).toEqual([
      { name: 'server.concurrency', value: 3 },
      { name: 'server.live', value: 1 },
    ]);
    expect(await fetchText(`http://127.0.0.1:${r.admin}/ready`)).toBe('LIVE\n');
    const info = JSON.parse(await fetchText(`http://127.0.0.1:${r.admin}/server_info`)) as { state: string; command_line_options: { concurrency: number } };
    expect(info.state).toBe('LIVE');
    expect(info.command_line_options.concurrency).toBe(3);
    expect((await fetch(`http://127.0.0.1:${r.admin}/stats?filter=(`)).status).toBe(400);
  });
});

describe('sidecar command', () => {
  it('exits non-zero with the field path for a bad config, and validates a good one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbd-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const good = bootstrapYaml({ adminPort: 19999, listenerPort: 15999, upstreamPort: 8999 });
    writeFileSync(join(dir, 'good.yaml'), good);
    writeFileSync(join(dir, 'bad.yaml'), good.replace('port_value: 15999', 'port_value: 15999, prot: TCP'));
    const ok = await runProgram('sidecar', ['-c', join(dir, 'good.yaml'), '--mode', 'validate']);
    expect(ok.code).toBe(0);
    const bad = await runProgram('sidecar', ['-c', join(dir, 'bad.yaml'), '--mode', 'validate']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('static_resources.listeners[0].address.socket_address.prot: unknown field "prot"');
  });
});

/**
 * The API service as a real process calling through a real sidecar: a new connection per request by
 * default (the outbound listener's downstream_cx_total rises with every request), a pooled keep-alive
 * client after the switch (it stays flat), and its own request counts on /metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../labs/programs/sidecar/bootstrap.ts';
import { Sidecar } from '../../labs/programs/sidecar/sidecar.ts';
import { bootstrapYaml, fetchText, freePort, get, startProgram, stat, stats, Upstream, waitFor } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function apiBehindSidecar() {
  const payments = new Upstream();
  const upstreamPort = await payments.listen();
  cleanups.push(() => payments.close());
  const [admin, port] = [await freePort(), await freePort()];
  const parsed = parseBootstrap(bootstrapYaml({ adminPort: admin, listenerPort: port, upstreamPort }));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const sidecar = new Sidecar({ bootstrap: parsed.bootstrap, concurrency: 2 });
  await sidecar.start();
  cleanups.push(() => sidecar.stop());
  const api = await startProgram('service', ['--name', 'api', '--host', '127.0.0.1', '--port', '0', '--latency-ms', '0', '--upstream', `http://127.0.0.1:${port}/pay`], /listening on 127\.0\.0\.1:(\d+)/);
  cleanups.push(() => api.stop());
  return { admin, port, apiUrl: `http://127.0.0.1:${api.match[1]}` };
}

describe('api service', () => {
  it('opens a new connection to its sidecar per request until switched to pooled, then reuses one', async () => {
    const { admin, port, apiUrl } = await apiBehindSidecar();
    const L = `listener.127.0.0.1_${port}.`;
    for (let i = 0; i < 6; i++) expect((await get(`${apiUrl}/checkout`)).status).toBe(200);
    await waitFor(async () => stat(await stats(admin), L + 'downstream_cx_destroy') === 6, 'six connections destroyed');
    expect(stat(await stats(admin), L + 'downstream_cx_total')).toBe(6);

    const switched = await fetch(`${apiUrl}/control/client?mode=pooled`, { method: 'POST' });
    expect(await switched.json()).toMatchObject({ service: 'api', client: 'pooled' });
    for (let i = 0; i < 10; i++) expect((await get(`${apiUrl}/checkout`)).status).toBe(200);
    const s = await stats(admin);
    expect(stat(s, L + 'downstream_cx_total')).toBe(7);
    expect(stat(s, L + 'downstream_cx_active')).toBe(1);
    expect(stat(s, 'http.upstream_payments.downstream_rq_total')).toBe(16);

    const metrics = await fetchText(`${apiUrl}/metrics`);
    expect(metrics).toContain('app_requests_total{service="api",code="200"} 16');
    expect(metrics).toContain('app_upstream_requests_total{service="api",code="200"} 16');
    expect(metrics).toContain('app_upstream_connections_opened_total{service="api"} 7');
    expect(metrics).toContain('app_client_mode{service="api",mode="pooled"} 1');

    // Back to per-request: the pooled connection closes and churn resumes.
    await fetch(`${apiUrl}/control/client?mode=per-request`, { method: 'POST' });
    await waitFor(async () => stat(await stats(admin), L + 'downstream_cx_active') === 0, 'pooled connection closed');
    await get(`${apiUrl}/checkout`);
    expect(stat(await stats(admin), L + 'downstream_cx_total')).toBe(8);
  });

  it('refuses an unknown client mode and a mode change by GET', async () => {
    const { apiUrl } = await apiBehindSidecar();
    const bad = await fetch(`${apiUrl}/control/client?mode=magic`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${apiUrl}/control/client?mode=pooled`)).status).toBe(405);
    expect(await (await fetch(`${apiUrl}/control/client`)).json()).toMatchObject({ client: 'per-request' });
  });
});

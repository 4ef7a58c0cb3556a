/** labctl as a real process against a real sidecar and a real api service. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../labs/programs/sidecar/bootstrap.ts';
import { Sidecar } from '../../labs/programs/sidecar/sidecar.ts';
import { bootstrapYaml, fetchText, freePort, runProgram, startProgram, Upstream } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sidecarWithTwoClusters() {
  const up = new Upstream();
  const upstreamPort = await up.listen();
  cleanups.push(() => up.close());
  const [admin, port] = [await freePort(), await freePort()];
  const localApp = `  - name: local_app
    load_assignment:
      cluster_name: local_app
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} } } }
`;
  const parsed = parseBootstrap(bootstrapYaml({ adminPort: admin, listenerPort: port, upstreamPort, extraCluster: localApp }));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const sidecar = new Sidecar({ bootstrap: parsed.bootstrap, concurrency: 1 });
  await sidecar.start();
  cleanups.push(() => sidecar.stop());
  return { admin, port };
}

describe('labctl', () => {
  it('sets thresholds on the cluster that is not local_app, shows them, and resets them', async () => {
    const { admin } = await sidecarWithTwoClusters();
    const host = `127.0.0.1:${admin}`;
    const set = await runProgram('labctl', ['breaker', host, '--max-connections', '5', '--max-pending', '5']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe(`${host}: cluster payments: max_connections=5 max_pending_requests=5 max_requests=1024 max_retries=3\n`);
    const clusters = await fetchText(`http://${host}/clusters`);
    expect(clusters).toContain('payments::default_priority::max_connections::5\n');
    expect(clusters).toContain('local_app::default_priority::max_connections::1024\n');
    const local = await runProgram('labctl', ['breaker', host, '--cluster', 'local_app', '--max-requests', '9']);
    expect(local.stdout).toContain('cluster local_app: max_connections=1024 max_pending_requests=1024 max_requests=9');
    const show = await runProgram('labctl', ['show', host]);
    expect(show.stdout).toContain(`${host}: sidecar cluster payments: max_connections=5 max_pending_requests=5`);
    const reset = await runProgram('labctl', ['breaker', host, '--reset']);
    expect(reset.stdout).toContain('cluster payments: max_connections=1024 max_pending_requests=1024');
  });

  it('explains a mistake: unknown cluster, bad number, no limits, unreachable host', async () => {
    const { admin } = await sidecarWithTwoClusters();
    const host = `127.0.0.1:${admin}`;
    const unknown = await runProgram('labctl', ['breaker', host, '--cluster', 'nope', '--max-connections', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no cluster "nope" (it has payments, local_app)');
    const nan = await runProgram('labctl', ['breaker', host, '--max-connections', 'five']);
    expect(nan.stderr).toContain('--max-connections must be a non-negative integer (got "five")');
    const none = await runProgram('labctl', ['breaker', host]);
    expect(none.stderr).toContain('give at least one of');
    const down = await runProgram('labctl', ['breaker', `127.0.0.1:${await freePort()}`, '--max-connections', '1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ECONNREFUSED');
  });

  it('switches the api client mode and prints help', async () => {
    const { port } = await sidecarWithTwoClusters();
    const api = await startProgram('service', ['--name', 'api', '--host', '127.0.0.1', '--port', '0', '--upstream', `http://127.0.0.1:${port}/pay`], /listening on 127\.0\.0\.1:(\d+)/);
    cleanups.push(() => api.stop());
    const sw = await runProgram('labctl', ['client', `127.0.0.1:${api.match[1]}`, 'pooled']);
    expect(sw.code).toBe(0);
    expect(sw.stdout).toBe(`127.0.0.1:${api.match[1]}: client pooled (calls http://127.0.0.1:${port}/pay)\n`);
    const help = await runProgram('labctl', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('labctl breaker ingress --max-connections 5 --max-pending 5');
  });
});

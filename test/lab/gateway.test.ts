/** The lab plugged into the gateway: health, the /prometheus/ proxy, terminals resolved on hosts; serve + Ctrl-C. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createGateway, type Gateway } from '../../src/server/createGateway.ts';
import { prometheusProxyRoutes } from '../../src/server/routes/prometheus.ts';
import type { HealthResponse } from '../../src/protocol/health.ts';
import { listInstances } from '../../src/lab/instanceState.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { FIXTURES, PREFIX, runtimeDir, start, waitFor } from './helpers.ts';
import { leftovers, NOTHING, processesIn } from './leftovers.ts';
import { CloseCode } from '../../src/protocol/errors.ts';
import { onLoopbackIp, refusedTerminal, refusedUpgrade, signIn, startGateway, TerminalTestClient, terminalUrl, type TestGateway } from '../helpers/gateway.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

describe('a gateway with a lab', () => {
  const rt = runtimeDir();
  let lab: LabInstance;
  let gateway: Gateway;
  /** Signed in through the gateway's sign-in link. */
  let cookie = '';
  beforeAll(async () => {
    lab = await start('mini', rt.dir);
    gateway = await createGateway({
      port: 0,
      siteDir: rt.dir,
      resolver: lab.resolver,
      healthProvider: () => lab.health(),
      routes: prometheusProxyRoutes(() => lab.prometheusUrl),
      cgroupParent: null,
    });
    cookie = await signIn(onLoopbackIp(gateway.signInUrl));
  });
  afterAll(async () => {
    await gateway?.close();
    await lab?.stop();
    rt.remove();
  });

  it('reports the lab state, hosts and processes in GET /api/health', async () => {
    const body = (await (await fetch(`${gateway.url}/api/health`)).json()) as HealthResponse;
    expect(body.lab).toMatchObject({ name: 'mini', instance: lab.id, state: 'ready', failing: [] });
    expect(body.lab!.hosts.map((h) => `${h.name} ${h.address}`)).toEqual(lab.hosts.map((h) => `${h.name} ${h.address}`));
  });

  it('proxies the Prometheus API and UI under /prometheus/, to a signed-in browser only', async () => {
    const query = `${gateway.url}/prometheus/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`;
    const stranger = await fetch(query);
    expect(stranger.status).toBe(401);
    expect(await stranger.json()).toMatchObject({ code: 'PB_NO_SESSION' });
    const res = await fetch(query, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { resultType: string } };
    expect(body).toMatchObject({ status: 'success', data: { resultType: 'vector' } });
    const ui = await fetch(`${gateway.url}/prometheus/`, { redirect: 'manual', headers: { cookie } });
    expect(ui.status).toBe(302);
    // Debian's build redirects to its classic UI; either way the redirect stays under the prefix.
    const location = ui.headers.get('location')!;
    expect(location).toMatch(/^\/prometheus\/(classic\/)?graph/);
    const page = await fetch(`${gateway.url}${location}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Prometheus/);
  });

  it('answers 503 PB_LAB_NOT_READY when there is no Prometheus', async () => {
    const bare = await createGateway({ port: 0, siteDir: rt.dir, routes: prometheusProxyRoutes(() => null), cgroupParent: null });
    try {
      const res = await fetch(`${bare.url}/prometheus/api/v1/query?query=up`, { headers: { cookie: await signIn(onLoopbackIp(bare.signInUrl)) } });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'PB_LAB_NOT_READY' });
    } finally {
      await bare.close();
    }
  });
});

describe('patchbay serve with a lab', () => {
  it('brings the lab up with the gateway and takes both down on Ctrl-C', async () => {
    const rt = runtimeDir();
    const bin = fileURLToPath(new URL('../../bin/patchbay.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--lab', `${FIXTURES}/mini`, '--site-dir', rt.dir], {
      env: { ...process.env, PATCHBAY_RUNTIME_DIR: rt.dir, PATCHBAY_PREFIX: PREFIX, PATCHBAY_AUTH_DIR: `${rt.dir}/auth`, PATCHBAY_DATABASE: `${rt.dir}/patchbay.db` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await waitFor('the gateway URL', () => /serving on (http:\/\/\S+)/.exec(out)?.[1], 60_000);
      const health = await waitFor('the lab ready in /api/health', async () => {
        const body = (await (await fetch(`${url}/api/health`)).json()) as HealthResponse;
        return body.lab?.state === 'ready' ? body : undefined;
      });
      expect(health.lab!.name).toBe('mini');
      const [record] = listInstances(rt.dir);
      expect(record).toBeDefined();
      const processes = processesIn(netnsStateOf(record ?? null)!.network.netns);
      expect(processes.length).toBeGreaterThanOrEqual(4);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(leftovers(record!.id, processes, rt.dir)).toEqual(NOTHING);
    } finally {
      // If a step failed with the gateway still running: kill it, then remove the lab it left.
      child.kill('SIGKILL');
      await exited;
      await cleanStaleInstances(rt.dir, PREFIX);
      rt.remove();
    }
  });
});

describe('terminals through the gateway on lab hosts', () => {
  const rt = runtimeDir();
  let lab: LabInstance;
  let gw: TestGateway;
  beforeAll(async () => {
    lab = await start('mini', rt.dir);
    gw = await startGateway({ resolver: lab.resolver, healthProvider: () => lab.health(), cgroupParent: `${PREFIX}-${lab.id}` });
  });
  afterAll(async () => {
    await gw?.close();
    await lab?.stop();
    rt.remove();
  });

  it('opens a shell on the requested host over the WebSocket', async () => {
    const t = await TerminalTestClient.open(gw, 'pbc-term-1', { target: 'api', query: { shell: '/bin/sh' } });
    try {
      expect(t.hello).toMatchObject({ host: 'api', shell: '/bin/sh', user: 'root', workdir: '/tmp' });
      t.type('echo "on-$(hostname)"; curl -s http://web:8080/\r');
      await t.waitForText(/on-api/);
      await t.waitForText(/web hello-from-mini/);
    } finally {
      await t.close();
    }
  });

  it('refuses an unknown host in the socket with PB_UNKNOWN_TARGET naming the host and the lab\'s hosts', async () => {
    const refused = await refusedTerminal(terminalUrl(gw, 'pbc-term-3', { target: 'db' }), { cookie: gw.cookie, origin: gw.origin });
    expect(refused.closeCode).toBe(CloseCode.TargetRefused);
    expect(refused.error).toMatchObject({ code: 'PB_UNKNOWN_TARGET', message: expect.stringMatching(/"db".*hosts are: web, api, prom/) });
  });
});

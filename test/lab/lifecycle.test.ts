/** A lab instance in real namespaces: isolation, naming, conntrack, sysctls, and a clean teardown. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabInstance } from '../../src/lab/types.ts';
import { processesOf, runtimeDir, start, waitFor } from './helpers.ts';
import { leftovers, NOTHING, type ProcessSnapshot } from './leftovers.ts';

describe('a running lab instance', () => {
  const rt = runtimeDir();
  let lab: LabInstance;
  let processes: ProcessSnapshot[];

  beforeAll(async () => {
    lab = await start('mini', rt.dir);
    processes = processesOf(lab);
  });
  afterAll(async () => {
    await lab?.stop();
    rt.remove();
  });

  it('reports every process ready', async () => {
    expect(await lab.ready()).toEqual({ ok: true });
    const health = lab.health();
    expect(health.state).toBe('ready');
    expect(health.hosts.map((h) => h.name)).toEqual(['web', 'api', 'prom']);
    expect(health.hosts.flatMap((h) => h.processes.map((p) => `${h.name}/${p.name}:${p.state}`))).toEqual([
      'web/server:ready',
      'api/server:ready',
      'api/poller:ready',
      'prom/prometheus:ready',
    ]);
  });

  it('gives each host its own hostname', async () => {
    for (const host of ['web', 'api', 'prom']) {
      const r = await lab.exec(host, ['hostname']);
      expect(r.stdout.trim()).toBe(host);
    }
  });

  it('lets hosts reach each other by name', async () => {
    const r = await lab.exec('api', ['curl', '-sS', '--max-time', '5', 'http://web:8080/']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('web hello-from-mini\n');
  });

  it('gives each host its own loopback, so two hosts serve the same port', async () => {
    const web = await lab.exec('web', ['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:8080/']);
    const api = await lab.exec('api', ['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(web.stdout.split(' ')[0]).toBe('web');
    expect(api.stdout.split(' ')[0]).toBe('api');
    const prom = await lab.exec('prom', ['curl', '-sS', '--max-time', '2', 'http://127.0.0.1:8080/']);
    expect(prom.exitCode).not.toBe(0);
  });

  it('uses the fixed address and assigns the others in order', () => {
    const [a, b, c] = lab.hosts.map((h) => h.address);
    const prefix = lab.subnet.replace(/\.0\/24$/, '');
    expect([a, b, c]).toEqual([`${prefix}.1`, `${prefix}.20`, `${prefix}.2`]);
  });

  it('applies per-host sysctls', async () => {
    const web = await lab.exec('web', ['sysctl', '-n', 'net.netfilter.nf_conntrack_tcp_timeout_close']);
    expect(web.stdout.trim()).toBe('7');
  });

  it('tracks connections in each host, loopback included', async () => {
    await lab.exec('web', ['curl', '-s', 'http://127.0.0.1:8080/']);
    const r = await lab.exec('web', ['conntrack', '-L', '-p', 'tcp', '--dport', '8080']);
    expect(r.stdout).toMatch(/src=127\.0\.0\.1 dst=127\.0\.0\.1/);
    // The poller on api connects to web every half second: web's table sees it arrive.
    const fromApi = new RegExp(`src=${lab.hosts[1]!.address.replace(/\./g, '\\.')} dst=${lab.hosts[0]!.address.replace(/\./g, '\\.')}`);
    await waitFor('a connection from api in web\'s table', async () => {
      const table = await lab.exec('web', ['conntrack', '-L', '-p', 'tcp', '--dport', '8080']);
      return fromApi.test(table.stdout) ? true : undefined;
    });
  });

  it('renders files and lab variables into the host directory', () => {
    const note = readFileSync(join(lab.dir, 'hosts', 'api', 'note.txt'), 'utf8');
    expect(note).toBe(`instance ${lab.id} host api`);
  });

  it('passes only the lab environment to processes', async () => {
    process.env.PBC_GATEWAY_SECRET = 'must-not-leak';
    try {
      const r = await lab.exec('web', ['env']);
      expect(r.stdout).toContain('GREETING=hello-from-mini');
      expect(r.stdout).not.toContain('PBC_GATEWAY_SECRET');
      expect(r.stdout).not.toMatch(/^npm_/m);
    } finally {
      delete process.env.PBC_GATEWAY_SECRET;
    }
  });

  it('leaves nothing behind once stopped', async () => {
    processes = processesOf(lab);
    expect(processes.length).toBeGreaterThanOrEqual(4);
    expect(leftovers(lab.id, processes, rt.dir).netns).toHaveLength(3);
    await lab.stop();
    expect(leftovers(lab.id, processes, rt.dir)).toEqual(NOTHING);
    expect(lab.health().state).toBe('down');
  });
});

describe('two instances of one lab', () => {
  it('run side by side with the same ports and names, each with its own subnet', async () => {
    const rt = runtimeDir();
    const started = await Promise.allSettled([start('mini', rt.dir), start('mini', rt.dir)]);
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (running.length < 2) {
      await Promise.all(running.map((l) => l.stop()));
      rt.remove();
      throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const [a, b] = running as [LabInstance, LabInstance];
    try {
      expect(a.subnet).not.toBe(b.subnet);
      for (const lab of [a, b]) {
        expect(lab.health().state).toBe('ready');
        const r = await lab.exec('api', ['curl', '-sS', '--max-time', '5', 'http://web:8080/']);
        expect(r.stdout).toBe('web hello-from-mini\n');
        const addr = await lab.exec('api', ['getent', 'hosts', 'web']);
        expect(addr.stdout.split(/\s+/)[0]).toBe(lab.hosts[0]!.address);
      }
    } finally {
      const ia = processesOf(a);
      const ib = processesOf(b);
      try {
        await Promise.all([a.stop(), b.stop()]);
        expect(leftovers(a.id, ia, rt.dir)).toEqual(NOTHING);
        expect(leftovers(b.id, ib, rt.dir)).toEqual(NOTHING);
      } finally {
        rt.remove();
      }
    }
  });
});

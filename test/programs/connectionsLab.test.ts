/**
 * The connections lab definition: it loads with the lab runtime's own loader, its sidecar configs are
 * valid for the sidecar, the listeners and clusters sit where the course says, and every sidecar and
 * exporter is scraped with `job` and `service` labels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/lab/loadLab.ts';
import { parseBootstrap } from '../../labs/programs/sidecar/bootstrap.ts';
import { ROOT } from './helpers.ts';

const SERVICE_HOSTS = ['ingress', 'api', 'payments'] as const;

function sidecarConfig(host: string) {
  const r = parseBootstrap(readFileSync(join(ROOT, 'labs/connections', host, 'envoy.yaml'), 'utf8'), `${host}/envoy.yaml`);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  expect(r.bootstrap.warnings).toEqual([]);
  return r.bootstrap;
}

describe('connections lab', () => {
  it('loads with the hosts the course names and a sidecar and exporter on each service host', () => {
    const r = loadLab('connections');
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n'));
    const hosts = r.lab.spec.hosts;
    expect(Object.keys(hosts)).toEqual(['tools', 'ingress', 'api', 'payments', 'prometheus']);
    for (const h of SERVICE_HOSTS) {
      const p = hosts[h]!.processes;
      expect(p.sidecar!.command.join(' ')).toBe('node ${PROGRAMS}/sidecar.mjs -c ${HOST_DIR}/envoy.yaml --concurrency 2');
      expect(p.exporter!.command.join(' ')).toBe('node ${PROGRAMS}/conntrack-exporter.mjs --listen-port 9318');
    }
    expect(hosts.api!.processes.app!.command).toContain('per-request');
  });

  it('puts public listeners on 0.0.0.0:20000, the api outbound listener on 127.0.0.1:15001 and admin on 19000', () => {
    for (const h of SERVICE_HOSTS) {
      const b = sidecarConfig(h);
      expect(b.admin).toEqual({ host: '0.0.0.0', port: 19000 });
      expect(b.listeners[0]!.address).toEqual({ host: '0.0.0.0', port: 20000 });
    }
    const api = sidecarConfig('api');
    expect(api.listeners[1]).toMatchObject({ name: 'outbound_listener:127.0.0.1:15001', address: { host: '127.0.0.1', port: 15001 }, routes: [{ prefix: '/', cluster: 'payments' }] });
    expect(api.clusters.find((c) => c.name === 'payments')!.endpoints).toEqual([{ host: 'payments', port: 20000 }]);
    // The api's pool to payments and the payments sidecar's pool to its app retire connections (so
    // upstream connections open on two clusters); the rest keep Envoy's defaults.
    expect(api.clusters.map((c) => [c.name, c.maxRequestsPerConnection])).toEqual([['local_app', undefined], ['payments', 100]]);
    expect(sidecarConfig('payments').clusters.map((c) => [c.name, c.maxRequestsPerConnection])).toEqual([['local_app', 100]]);
    for (const c of sidecarConfig('ingress').clusters) expect(c.maxRequestsPerConnection).toBeUndefined();
    expect(sidecarConfig('ingress').clusters.map((c) => [c.name, c.endpoints])).toEqual([['api', [{ host: 'api', port: 20000 }]]]);
  });

  it('scrapes every sidecar and exporter with job and service labels on a short interval', () => {
    const r = loadLab('connections');
    if (!r.ok) throw new Error('lab does not load');
    const prom = r.lab.spec.prometheus!;
    expect(prom.scrapeInterval).toBeLessThanOrEqual(5000);
    const targets = prom.scrape.flatMap((j) =>
      j.targets.map((t) => (typeof t === 'string' ? { job: j.job, path: j.metricsPath, target: t, service: undefined } : { job: j.job, path: j.metricsPath, target: t.target, service: t.labels.service })),
    );
    for (const h of SERVICE_HOSTS) {
      expect(targets).toContainEqual({ job: h, path: '/stats/prometheus', target: `${h}:19000`, service: h });
      expect(targets).toContainEqual({ job: 'conntrack', path: '/metrics', target: `${h}:9318`, service: h });
    }
  });
});

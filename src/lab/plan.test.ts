import { describe, expect, it } from 'vitest';
import { parseLabText } from './loadLab.ts';
import { planLab } from './plan.ts';
import { prometheusConfig } from './prometheusConfig.ts';
import type { LoadedLab } from './loadLab.ts';

function loaded(yaml: string): LoadedLab {
  const r = parseLabText(yaml, 'lab.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { spec: r.spec, name: 'demo', file: '/labs/demo/lab.yaml', labDir: '/labs/demo', projectDir: '/p', programsDir: '/p/build/programs' };
}

const yaml = `
variables: { GREETING: hi }
hosts:
  client:
    processes:
      poll: { command: [sh, -c, 'curl web'], dependsOn: [web/app] }
  web:
    address: 1
    aliases: [web.container.shipyard.run, www]
    env: { ROLE: '\${HOST}-role' }
    processes:
      app: { command: [node, '\${PROGRAMS}/app.mjs', --dir, '\${HOST_DIR}', --greet, '\${GREETING}', '$\${LITERAL}'] }
  metrics: {}
prometheus:
  host: metrics
  scrapeInterval: 1500ms
  scrape: [{ job: web, targets: ['web:8080'] }]
`;

describe('planLab', () => {
  const plan = planLab(loaded(yaml), { id: 'pbc123456', subnetIndex: 7, dir: '/run/patchbay/pbc123456' });

  it('gives fixed octets first and the others the next free ones in order', () => {
    expect(plan.hosts.map((h) => `${h.name}=${h.address}`)).toEqual(['client=10.213.7.2', 'web=10.213.7.1', 'metrics=10.213.7.3']);
    expect(plan.bridgeAddress).toBe('10.213.7.254');
  });

  it('derives every kernel name from the instance id within the 15-byte limit', () => {
    expect(plan.bridge).toBe('pbc123456br');
    expect(plan.hosts.map((h) => h.veth)).toEqual(['pbc123456v0', 'pbc123456v1', 'pbc123456v2']);
    expect(plan.hosts.map((h) => h.netns)).toEqual(['pbc123456-client', 'pbc123456-web', 'pbc123456-metrics']);
    for (const name of [plan.bridge, ...plan.hosts.map((h) => h.veth)]) expect(name.length).toBeLessThanOrEqual(15);
  });

  it('starts Prometheus first and every process after its dependencies', () => {
    expect(plan.processes.map((p) => p.id)).toEqual(['metrics/prometheus', 'web/app', 'client/poll']);
  });

  it('substitutes built-in and lab variables, keeping $${ literal', () => {
    const app = plan.processes.find((p) => p.id === 'web/app')!;
    expect(app.argv).toEqual(['node', '/opt/patchbay/programs/app.mjs', '--dir', '/run/patchbay/pbc123456/hosts/web', '--greet', 'hi', '${LITERAL}']);
    expect(app.env.ROLE).toBe('web-role');
    expect(app.env.GREETING).toBe('hi');
    expect(app.workdir).toBe('/run/patchbay/pbc123456/hosts/web');
  });

  it('writes an /etc/hosts naming every host of the lab, by its name and its aliases', () => {
    expect(plan.hosts[0]!.hostsFile).toContain('10.213.7.1\tweb web.container.shipyard.run www\n');
    expect(plan.hosts[0]!.hostsFile).toContain('10.213.7.2\tclient\n');
    expect(plan.hosts[0]!.hostsFile).toContain('127.0.0.1\tlocalhost\n');
  });

  it('points the Prometheus URL at its host and route prefix', () => {
    expect(plan.prometheusUrl).toBe('http://10.213.7.3:9090/prometheus');
  });
});

describe('prometheusConfig', () => {
  it('renders durations Prometheus accepts and scrapes itself under its prefix', () => {
    const spec = loaded(yaml).spec.prometheus!;
    const text = prometheusConfig(spec);
    expect(text).toContain('scrape_interval: 1500ms');
    expect(text).toContain('scrape_timeout: 1200ms');
    expect(text).toContain('metrics_path: /prometheus/metrics');
    expect(text).toContain('- web:8080');
  });
});

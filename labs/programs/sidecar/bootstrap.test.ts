import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseBootstrap } from './bootstrap.ts';

const labConfig = (host: string) => readFileSync(new URL(`../../connections/${host}/envoy.yaml`, import.meta.url), 'utf8');

/** The text of one cluster of a config, from its `- name:` line to the next cluster or section. */
function clusterNamed(config: string, name: string): string {
  const start = config.indexOf(`  - name: ${name}\n`, config.indexOf('  clusters:'));
  const next = config.slice(start + 1).search(/\n  - name: |\n\S/);
  return config.slice(start, next < 0 ? undefined : start + 1 + next + 1);
}

function errors(text: string): string[] {
  const r = parseBootstrap(text, 'envoy.yaml');
  if (r.ok) throw new Error('expected the config to be rejected');
  return r.errors;
}

describe('parseBootstrap', () => {
  it('reads the lab sidecar configs with Envoy defaults for unset thresholds', () => {
    const r = parseBootstrap(labConfig('api'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bootstrap.listeners.map((l) => [l.name, l.address, l.statPrefix])).toEqual([
      ['public_listener:0.0.0.0:20000', { host: '0.0.0.0', port: 20000 }, 'public_listener'],
      ['outbound_listener:127.0.0.1:15001', { host: '127.0.0.1', port: 15001 }, 'upstream_payments'],
    ]);
    const payments = r.bootstrap.clusters.find((c) => c.name === 'payments')!;
    expect(payments.type).toBe('STRICT_DNS');
    expect(payments.endpoints).toEqual([{ host: 'payments', port: 20000 }]);
    expect(payments.thresholds).toEqual({ max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 });
    expect(payments.trackRemaining).toBe(true);
    expect(r.bootstrap.warnings).toEqual([]);
    for (const h of ['ingress', 'payments']) expect(parseBootstrap(labConfig(h)).ok).toBe(true);
  });

  it('names the path and line of an unknown field', () => {
    const text = labConfig('api').replace('    connect_timeout: 1s\n    type: STATIC', '    connect_timeout: 1s\n    max_conections: 5\n    type: STATIC');
    const e = errors(text);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^envoy\.yaml:\d+:5: static_resources\.clusters\[0\]\.max_conections: unknown field "max_conections"$/);
    const line = Number(/:(\d+):/.exec(e[0]!)![1]);
    expect(text.split('\n')[line - 1]).toContain('max_conections: 5');
  });

  it('rejects a bad listener address and a negative threshold, naming each field', () => {
    const text = labConfig('api')
      .replace('address: 127.0.0.1, port_value: 15001', 'address: 127.0.0.300, port_value: 15001')
      .replace('      - priority: DEFAULT\n        track_remaining: true', '      - priority: DEFAULT\n        max_connections: -1\n        track_remaining: true');
    const e = errors(text).join('\n');
    expect(e).toContain('static_resources.listeners[1].address.socket_address.address: must be an IPv4 or IPv6 address');
    expect(e).toContain('static_resources.clusters[0].circuit_breakers.thresholds[0].max_connections: must be a non-negative integer');
  });

  it('rejects an out-of-range port and a route to a cluster that does not exist', () => {
    const text = labConfig('payments').replace('port_value: 20000', 'port_value: 70000').replace('route: { cluster: local_app }', 'route: { cluster: nowhere }');
    const e = errors(text).join('\n');
    expect(e).toContain('static_resources.listeners[0].address.socket_address.port_value: must be a port number 0-65535');
    // The route check needs a valid schema first; fix the port and look again.
    const e2 = errors(text.replace('port_value: 70000', 'port_value: 20000')).join('\n');
    expect(e2).toContain('route.cluster: unknown cluster "nowhere"');
  });

  it('warns on fields real Envoy accepts but the stand-in ignores', () => {
    const r = parseBootstrap(labConfig('payments').replace('    connect_timeout: 1s', '    connect_timeout: 1s\n    dns_lookup_family: V4_ONLY'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.bootstrap.warnings).toEqual(['static_resources.clusters[0].dns_lookup_family: accepted by Envoy but ignored by this sidecar']);
  });

  it('reads max_requests_per_connection from typed_extension_protocol_options and from the deprecated field', () => {
    // The ingress's cluster sets neither, so each form is the only one present.
    const typed = labConfig('ingress').replace('        explicit_http_config:', '        common_http_protocol_options: { max_requests_per_connection: 7 }\n        explicit_http_config:');
    const r = parseBootstrap(typed);
    expect(r.ok && r.bootstrap.clusters[0]!.maxRequestsPerConnection).toBe(7);
    const old = labConfig('ingress').replace('    connect_timeout: 1s', '    connect_timeout: 1s\n    max_requests_per_connection: 3');
    const r2 = parseBootstrap(old);
    expect(r2.ok && r2.bootstrap.clusters[0]!.maxRequestsPerConnection).toBe(3);
    expect(r2.ok && r2.bootstrap.warnings.join()).toContain('deprecated');
    const both = typed.replace('    connect_timeout: 1s', '    connect_timeout: 1s\n    max_requests_per_connection: 3');
    expect(errors(both).join()).toContain('set max_requests_per_connection in one place only');
  });

  it('reports every error of a file at once: unknown field with a suggestion, bad value, duplicate cluster', () => {
    const api = labConfig('api');
    const text = api
      .replace('    connect_timeout: 1s\n    type: STATIC', '    connect_timeout: 1s\n    conect_timeout: 2s\n    type: STATIC')
      .replace('port_value: 20000', 'port_value: 70000')
      .replace('  clusters:\n', `  clusters:\n${clusterNamed(api, 'payments')}`);
    const e = errors(text);
    expect(e).toHaveLength(3);
    expect(e.join('\n')).toMatch(/^envoy\.yaml:\d+:\d+: static_resources\.clusters\[\d\]\.conect_timeout: unknown field "conect_timeout" \(did you mean "connect_timeout"\?\)$/m);
    expect(e.join('\n')).toMatch(/^envoy\.yaml:\d+:\d+: static_resources\.listeners\[0\]\.address\.socket_address\.port_value: must be a port number 0-65535$/m);
    expect(e.join('\n')).toMatch(/^envoy\.yaml:\d+:\d+: static_resources\.clusters\[\d\]\.name: duplicate cluster name "payments"$/m);
  });

  it('gives one error for exponential aliases instead of expanding them', () => {
    let bomb = 'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (const [n, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g']] as const) bomb += `x-${n}: &${n} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    const e = errors(`${bomb}${labConfig('api')}`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^envoy\.yaml:\d+:\d+: YAML: aliases expand to more than \d+ copies/);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(errors('admin: [unclosed')[0]).toMatch(/^envoy\.yaml:1:\d+: YAML: /);
  });
});

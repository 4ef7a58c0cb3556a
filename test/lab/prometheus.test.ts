/** The lab's own Prometheus (the Debian binary) scrapes targets in other hosts. */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabInstance } from '../../src/lab/types.ts';
import { useLab, waitFor } from './helpers.ts';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, q: string): Promise<Sample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] } };
  return body.status === 'success' ? body.data.result : [];
}

describe('the lab Prometheus', () => {
  const labOf = useLab('mini');
  let lab: LabInstance;
  beforeAll(() => {
    lab = labOf();
  });

  it('is reachable from the root namespace under its route prefix', async () => {
    expect(lab.prometheusUrl).toBe(`http://${lab.hosts[2]!.address}:9090/prometheus`);
    const res = await fetch(`${lab.prometheusUrl}/-/ready`);
    expect(res.status).toBe(200);
  });

  it('scrapes the web servers in other hosts by name, with their labels', async () => {
    const up = await waitFor(
      'both web targets up',
      async () => {
        const r = await query(lab.prometheusUrl!, 'up{job="web"} == 1');
        return r.length === 2 ? r : undefined;
      },
      30_000,
    );
    expect(up.map((s) => `${s.metric.instance} ${s.metric.service}`).sort()).toEqual(['api:8080 api', 'web:8080 web']);
    const requests = await query(lab.prometheusUrl!, 'mini_requests_total{service="web"}');
    expect(requests).toHaveLength(1);
  });

  it('runs with the configured scrape interval, query limits and its own TSDB', async () => {
    const flags = (await (await fetch(`${lab.prometheusUrl}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    expect(flags.data['query.timeout']).toBe('10s');
    expect(flags.data['query.max-samples']).toBe('5000000');
    expect(flags.data['storage.tsdb.path']).toBe(join(lab.dir, 'hosts', 'prom', 'tsdb'));
    const config = join(lab.dir, 'hosts', 'prom', 'prometheus.yml');
    expect(readFileSync(config, 'utf8')).toMatch(/scrape_interval: 1s/);
    // promtool accepts the rendered config (throws on a non-zero exit).
    expect(execFileSync('promtool', ['check', 'config', config], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });
});

/**
 * Prometheus as a lab process: its config file rendered from the lab's `prometheus` section, and its
 * flags. The Debian `/usr/bin/prometheus` runs in the lab's prometheus host, never the packaged service.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PrometheusSpec } from './schema.ts';

/** Prometheus serves under this prefix so the gateway can proxy its UI at the same path. */
export const PROMETHEUS_ROUTE_PREFIX = '/prometheus';
/** A scrape must finish well within the interval; Prometheus rejects a timeout above it. */
const SCRAPE_TIMEOUT_FRACTION = 0.8;

export function prometheusUrl(address: string, port: number): string {
  return `http://${address}:${port}${PROMETHEUS_ROUTE_PREFIX}`;
}

/** Prometheus durations take no fractions: whole seconds where possible, else milliseconds. */
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.max(1, Math.round(ms))}ms`);

export function prometheusConfig(spec: PrometheusSpec): string {
  const self = {
    job_name: 'prometheus',
    metrics_path: `${PROMETHEUS_ROUTE_PREFIX}/metrics`,
    static_configs: [{ targets: [`localhost:${spec.port}`] }],
  };
  const jobs = spec.scrape.map((job) => ({
    job_name: job.job,
    metrics_path: job.metricsPath,
    static_configs: job.targets.map((t) =>
      typeof t === 'string'
        ? { targets: [t], ...(Object.keys(job.labels).length ? { labels: job.labels } : {}) }
        : { targets: [t.target], labels: { ...job.labels, ...t.labels } },
    ),
  }));
  const config = {
    global: {
      scrape_interval: seconds(spec.scrapeInterval),
      scrape_timeout: seconds(Math.floor(spec.scrapeInterval * SCRAPE_TIMEOUT_FRACTION)),
      evaluation_interval: seconds(spec.scrapeInterval),
    },
    scrape_configs: [self, ...jobs],
  };
  return `# Rendered by the Patchbay lab runtime from lab.yaml; edits are overwritten at the next start.\n${stringify(config)}`;
}

export function prometheusArgs(spec: PrometheusSpec, hostDir: string): string[] {
  return [
    `--config.file=${join(hostDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(hostDir, 'tsdb')}`,
    `--storage.tsdb.retention.time=${spec.retention}`,
    // Every address of the host's own namespace: its eth0 (for the gateway) and its loopback (for lessons).
    `--web.listen-address=0.0.0.0:${spec.port}`,
    `--web.external-url=${PROMETHEUS_ROUTE_PREFIX}/`,
    `--web.route-prefix=${PROMETHEUS_ROUTE_PREFIX}`,
    `--query.timeout=${seconds(spec.queryTimeout)}`,
    `--query.max-samples=${spec.maxSamples}`,
  ];
}

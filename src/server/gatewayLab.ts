/**
 * The lab part of `patchbay serve` and `patchbay dev`: bring up the default lab and hand the gateway
 * its terminal resolver, its health and its routes (the /prometheus/ UI proxy, and the challenge API
 * when the lab has a challenges file). `lab: null` (--no-lab) runs no lab: the gateway then serves
 * local `tools` terminals and reports `lab: null`.
 */
import type { LabHealth } from '../protocol/health.ts';
import type { DevStatus } from '../protocol/devStatus.ts';
import type { TargetResolver } from '../terminal/target.ts';
import type { Route } from './Route.ts';
import { startLab } from '../lab/startLab.ts';
import type { LabProgress } from '../lab/types.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { prometheusProxyRoutes } from './routes/prometheus.ts';
import { challengeRoutes } from './routes/challenges.ts';
import { loadChallenges } from '../checker/challenges.ts';
import { PrometheusClient } from '../checker/prometheusClient.ts';
import { ProgressStore } from './progressStore.ts';
import { defaultDatabase } from './database.ts';

export interface GatewayLab {
  resolver: TargetResolver;
  health: () => LabHealth | null | Promise<LabHealth | null>;
  routes: Route[];
  /** `patchbay dev` only: how edits of the lab's files were applied, for /api/health's `dev`. */
  status?: () => DevStatus;
  /** Tears the lab down; called once on shutdown, after the gateway has ended its terminals. */
  stop(): Promise<void>;
}

export interface GatewayLabOptions {
  /** Lab name or path (default: the course's lab); null runs no lab. */
  lab?: string | null;
  /** Progress lines for the console. */
  log: (line: string) => void;
  /** A directory for a progress database of its own (tests); default the gateway's database (database.ts). */
  progressDir?: string;
}

export const DEFAULT_LAB = 'connections';

export type GatewayLabResult = { ok: true; lab: GatewayLab | null } | { ok: false; message: string };

/** A progress event of the lab as a console line (null for the ones not worth a line). */
export function progressLine(e: LabProgress): string | null {
  switch (e.kind) {
    case 'cleanup':
      return `lab: ${e.message}`;
    case 'network':
      return `lab: network ${e.message}`;
    case 'process':
      return e.state === 'pending' || e.state === 'starting' ? null : `lab: ${e.host}/${e.process} ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'ready':
      return `lab: all processes ready in ${(e.elapsedMs / 1000).toFixed(1)} s`;
  }
}

export async function startGatewayLab(options: GatewayLabOptions): Promise<GatewayLabResult> {
  if (options.lab === null) return { ok: true, lab: null };
  const labName = options.lab ?? DEFAULT_LAB;
  // Opened before the lab starts, so a database this version cannot use (newer schema) starts nothing.
  let progress: ProgressStore;
  try {
    progress = new ProgressStore(options.progressDir ?? defaultDatabase(process.env, options.log));
  } catch (error) {
    return { ok: false, message: `progress database: ${(error as Error).message}` };
  }
  options.log(`lab: starting ${labName}…`);
  const result = await startLab({
    lab: labName,
    waitReady: false, // the gateway listens at once; the page's indicator shows the lab coming up
    onProgress: (e) => {
      const line = progressLine(e);
      if (line) options.log(line);
    },
  });
  if (!result.ok) {
    return { ok: false, message: [...result.errors.map(formatDefinitionError), `lab ${labName}: ${result.message}; nothing was started`].join('\n') };
  }
  const instance = result.instance;
  options.log(`lab: ${instance.name} instance ${instance.id} on ${instance.subnet}${instance.prometheusUrl ? `, Prometheus at /prometheus/` : ''}`);
  const routes: Route[] = [...prometheusProxyRoutes(() => instance.prometheusUrl)];
  const challenges = await loadChallenges(labName);
  if (challenges.ok && instance.prometheusUrl) {
    const client = new PrometheusClient(instance.prometheusUrl);
    routes.push(...challengeRoutes({ set: challenges.set, prometheus: () => client, progress }));
  } else if (!challenges.ok && !challenges.errors.every((e) => e.message.startsWith('cannot read'))) {
    for (const e of challenges.errors) options.log(`challenges: ${formatDefinitionError(e)}`);
  }
  return {
    ok: true,
    lab: {
      resolver: instance.resolver,
      health: () => instance.health(),
      routes,
      stop: () => instance.stop(),
    },
  };
}

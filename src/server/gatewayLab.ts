/**
 * The lab part of `patchbay serve` and `patchbay dev`, kept apart so the lab runtime can fill it in:
 * bring up the default lab and hand the gateway its terminal resolver, its health and its routes
 * (e.g. the /prometheus/ proxy and the challenge API). Returns null while there is no lab: the
 * gateway then serves local `tools` terminals and reports `lab: null`.
 */
import type { LabHealth } from '../protocol/health.ts';
import type { TargetResolver } from '../terminal/target.ts';
import type { Route } from './Route.ts';

export interface GatewayLab {
  resolver: TargetResolver;
  health: () => LabHealth | null | Promise<LabHealth | null>;
  routes: Route[];
  /** Tears the lab down; called once on shutdown, after the gateway has ended its terminals. */
  stop(): Promise<void>;
}

export interface GatewayLabOptions {
  /** Lab name (default: the course's lab). */
  lab?: string;
  /** Progress lines for the console. */
  log: (line: string) => void;
}

export async function startGatewayLab(_options: GatewayLabOptions): Promise<GatewayLab | null> {
  return null;
}

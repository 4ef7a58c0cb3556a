/**
 * Drivers own an instance's infrastructure: create it from a plan, destroy it from what was recorded.
 * The runtime looks a driver up here by the name stored in the instance record and knows no concrete
 * kind. `netns` is the only one today; a `kubernetes` driver would plug in beside it. (Entering a host,
 * `hostCommand.ts`, is still netns-specific.)
 */
import type { NetworkRecord } from './instanceState.ts';
import { createNetwork, destroyNetwork, type DriverResult } from './netnsDriver.ts';
import type { LabPlan } from './plan.ts';

export interface LabDriver {
  readonly name: string;
  /** Creates what `plan` needs, writing each name to `record` (and calling `save`) before creating it. */
  create(plan: LabPlan, record: NetworkRecord, save: () => void): Promise<DriverResult>;
  /** Removes everything `record` names; idempotent, and safe on a half-created instance. */
  destroy(record: NetworkRecord): Promise<void>;
}

export const drivers = {
  netns: { name: 'netns', create: createNetwork, destroy: destroyNetwork },
} as const satisfies Record<string, LabDriver>;

export type DriverName = keyof typeof drivers;
export const DEFAULT_DRIVER: DriverName = 'netns';

/** The driver an instance record names (records written before drivers were recorded are netns). */
export function driverFor(name: string | undefined): LabDriver {
  return drivers[(name ?? DEFAULT_DRIVER) as DriverName] ?? drivers.netns;
}

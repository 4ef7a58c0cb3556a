/**
 * Drivers own an instance's infrastructure and the way into its hosts: create it from a plan, destroy
 * it from what was recorded, and say how a command runs inside a host. What a driver records is its
 * own (`InstanceRecord.driverState`, opaque here and parsed by the driver), so this interface names no
 * namespace, link or path. The runtime looks a driver up by the name stored in the instance record and
 * knows no concrete kind. `netns` (netnsDriver.ts) is the only one today; a `kubernetes` driver would plug
 * in beside it (docs/authoring/design/kubernetes-driver.md).
 */
import type { InstanceRecord } from './instanceState.ts';
import type { UserInfo } from './labEnv.ts';
import { netnsDriver } from './netnsDriver.ts';
import type { LabPlan } from './plan.ts';

export type DriverResult = { ok: true } | { ok: false; message: string };

/** A local command that runs argv inside a host: spawned as is (by a supervisor, a probe, a pty, the CLI). */
export interface HostCommand {
  file: string;
  args: string[];
  /** Where the local spawn starts. */
  cwd: string;
  /** What the driver adds to the environment (e.g. HOME of a shell); callers layer it under the lab's own. */
  env: Record<string, string>;
}

export interface EnterOptions {
  /** Who runs it (null or root: root). */
  user?: UserInfo | null;
  /** The working directory inside the host; default the host's own directory. */
  workdir?: string;
  /** An interactive shell (a terminal): the driver prepares what a login needs, e.g. a home. */
  shell?: boolean;
}

export interface LabDriver {
  readonly name: string;
  /** The state recorded for a new instance of `plan`, before anything of it is created. */
  newState(plan: LabPlan): unknown;
  /** Creates what `plan` needs, writing each name to `state` (and calling `save`) before creating it. */
  create(plan: LabPlan, state: unknown, save: () => void): Promise<DriverResult>;
  /** Removes everything `state` names; idempotent, and safe on a half-created instance or an unreadable state. */
  destroy(state: unknown): Promise<void>;
  /** How argv runs inside `host` (its name, not an alias); a host that cannot run anything yields a command that fails saying why. */
  enter(state: unknown, host: string, argv: string[], options: EnterOptions): HostCommand;
}

export const drivers = {
  netns: netnsDriver,
} as const satisfies Record<string, LabDriver>;

export type DriverName = keyof typeof drivers;
export const DEFAULT_DRIVER: DriverName = 'netns';

/** The driver an instance record names (records written before drivers were recorded are netns). */
export function driverFor(name: string | undefined): LabDriver {
  return drivers[(name ?? DEFAULT_DRIVER) as DriverName] ?? drivers.netns;
}

/** An instance's driver bound to its recorded state, for callers that hold a record (the runtime, the CLI). */
export interface InstanceDriver {
  readonly driver: LabDriver;
  enter(host: string, argv: string[], options?: EnterOptions): HostCommand;
  destroy(): Promise<void>;
}

/**
 * Records written before drivers kept their own state hold the netns driver's fields in the record
 * itself (`network`, the hosts' `netns`, `utsFile`, `hostDir`); the record is the state then.
 */
export function instanceDriver(record: InstanceRecord): InstanceDriver {
  const driver = driverFor(record.driver);
  const state = () => record.driverState ?? record;
  return {
    driver,
    enter: (host, argv, options = {}) => driver.enter(state(), host, argv, options),
    destroy: () => driver.destroy(state()),
  };
}

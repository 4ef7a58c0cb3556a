/**
 * The lab runtime's programmatic API, as other layers see it: `startLab()` (in `startLab.ts`) returns a
 * `LabInstance`. The server wires `instance.resolver` and `instance.health()` into the gateway; the checker
 * queries `instance.prometheusUrl`; lesson validation spawns terminals with `instance.spawnSpecFor()`.
 */
import type { DefinitionError } from '../definitions/definitionError.ts';
import type { LabHealth, ProcessState } from '../protocol/health.ts';
import type { SpawnSpec, TargetResolver, ResolveResult } from '../terminal/target.ts';

export type LabProgress =
  | { kind: 'cleanup'; instance: string; message: string }
  | { kind: 'network'; message: string; elapsedMs: number }
  | { kind: 'process'; host: string; process: string; state: ProcessState; elapsedMs: number; message?: string }
  | { kind: 'ready'; elapsedMs: number };

export interface StartLabOptions {
  /** A lab name under `labs/` (e.g. `connections`), a directory holding `lab.yaml`, or a path to a YAML file. */
  lab: string;
  onProgress?: (event: LabProgress) => void;
  /**
   * Prefix of every name the instance creates (namespaces, bridge, veths, state dir), at most 5
   * characters. Tests use their own (`pbc`, `pbh`, …) so their cleanup never touches another's.
   * Default: env `PATCHBAY_PREFIX`, else `pb`.
   */
  prefix?: string;
  /** Where instance state lives; default `/run/patchbay` (env `PATCHBAY_RUNTIME_DIR`). */
  runtimeDir?: string;
  /** Project root holding `labs/` and `build/programs`; default the repository this file is in. */
  projectDir?: string;
  /** Use this id instead of a random one (the detached `up` picks it before the runtime starts). */
  instanceId?: string;
  /** Resolve once every process is ready (default true); false resolves as soon as processes are launched. */
  waitReady?: boolean;
}

export type StartLabResult = { ok: true; instance: LabInstance } | { ok: false; errors: DefinitionError[]; message: string };

export interface TerminalOptions {
  user?: string;
  shell?: string;
  workdir?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  user?: string;
  /** Characters kept of each of stdout and stderr (the rest is read and dropped); default all. */
  maxOutputChars?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LabHostInfo {
  name: string;
  /** Other names of the host (lab.yaml `aliases`); terminals and `exec` accept them too. */
  aliases: string[];
  address: string;
  processes: string[];
}

export interface LabInstance {
  /** The lab's name, e.g. `connections`. */
  name: string;
  /** Unique instance id, also the prefix of its namespaces and links, e.g. `pb3f9a1c`. */
  id: string;
  /** Directory of this instance's state, per-host files, logs and TSDB. */
  dir: string;
  /** The instance's /24, e.g. `10.213.7.0/24`; the root namespace reaches hosts through `.254`. */
  subnet: string;
  hosts: LabHostInfo[];
  /** Base URL of the lab's Prometheus (ends in `/prometheus`, its route prefix), or null without one. */
  prometheusUrl: string | null;
  health(): LabHealth;
  /** Resolves once every process is ready, or with the failing process when one cannot start. */
  ready(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** How to start a shell on a host (unknown host, user, shell or workdir → an error value). */
  spawnSpecFor(host: string, options?: TerminalOptions): ResolveResult;
  /** The same as a `TargetResolver` for the gateway's terminals. */
  resolver: TargetResolver;
  /** Runs a command inside a host (argv, no shell), with the lab's environment. */
  exec(host: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Stops every process (reverse dependency order) and removes every namespace, link, mount and file. */
  stop(): Promise<void>;
}

export type { SpawnSpec };

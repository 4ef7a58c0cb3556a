/**
 * Each lab instance's cgroup, `patchbay-labs/<instance>` in every hierarchy (ProcessCgroup: v2 where it
 * has the controllers, else v1), with the instance's caps. Its supervised processes join
 * `<instance>/lab` before they enter the host (the join is outside hostArgv, so it happens before any
 * sandbox unshares its cgroup namespace), and the gateway's terminals on its hosts nest under it
 * (`<instance>/gw-<pid>-<start>/t-…`, through the SpawnSpec's cgroupParent), so the instance's caps
 * cover them too. Teardown, `patchbay down` and the next start after a crash kill everything in the
 * tree, wherever a process moved meanwhile: another network namespace (`nsenter --net`), another
 * session (`setsid nohup`), out of the host's process group.
 */
import { ProcessCgroup, type CgroupLimits } from '../terminal/ProcessCgroup.ts';
import { removeFreezerCgroup, thawForTeardown } from './instanceFreezer.ts';

/** The parent of every instance's cgroup (relative to each controller's root). */
export const LAB_CGROUP_ROOT = 'patchbay-labs';

export type LabLimits = CgroupLimits;

export const DEFAULT_LAB_LIMITS: LabLimits = {
  // The connections lab runs about 15 processes (node sidecars and services, a Go Prometheus: some
  // 200 threads in all); its terminals nest here with 128 tasks each, so 4096 leaves room for about
  // 30 of them and still stops a runaway instance long before the machine's pid_max.
  pidsMax: 4096,
  // The connections lab uses about 500 MB when busy (Prometheus' head block and five node programs);
  // 4 GiB leaves room for its terminals (512 MiB each) and stops one instance from taking the machine.
  memoryBytes: 4 * 1024 ** 3,
  // cgroup v2's default: instances share the CPU evenly with each other and with the gateway.
  cpuWeight: 100,
};

/** Environment variables that override the defaults (read by every command that starts a lab). */
export const LAB_LIMIT_ENV = { pidsMax: 'PATCHBAY_LAB_PIDS_MAX', memoryBytes: 'PATCHBAY_LAB_MEMORY', cpuWeight: 'PATCHBAY_LAB_CPU_WEIGHT' } as const;

/** "512M", "4G", "1048576" (bytes; K, M, G, T are powers of 1024), or null when malformed. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?$/i.exec(text.trim());
  if (!m) return null;
  const power = { '': 0, b: 0, k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? '').charAt(0).toLowerCase()] ?? 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** The defaults with the environment's overrides, checked. */
export function labLimitsFrom(env: NodeJS.ProcessEnv): { ok: true; limits: LabLimits } | { ok: false; message: string } {
  const limits = { ...DEFAULT_LAB_LIMITS };
  const pids = env[LAB_LIMIT_ENV.pidsMax];
  if (pids !== undefined) {
    if (!/^\d+$/.test(pids) || Number(pids) < 1) return { ok: false, message: `${LAB_LIMIT_ENV.pidsMax} must be a whole number of 1 or more, got ${pids}` };
    limits.pidsMax = Number(pids);
  }
  const memory = env[LAB_LIMIT_ENV.memoryBytes];
  if (memory !== undefined) {
    const bytes = parseBytes(memory);
    if (bytes === null || bytes < 16 * 1024 ** 2) return { ok: false, message: `${LAB_LIMIT_ENV.memoryBytes} must be a size of at least 16M like 2G or 512M, got ${memory}` };
    limits.memoryBytes = bytes;
  }
  const weight = env[LAB_LIMIT_ENV.cpuWeight];
  if (weight !== undefined) {
    if (!/^\d+$/.test(weight) || Number(weight) < 1 || Number(weight) > 10_000) return { ok: false, message: `${LAB_LIMIT_ENV.cpuWeight} must be 1-10000, got ${weight}` };
    limits.cpuWeight = Number(weight);
  }
  return { ok: true, limits };
}

/** Where an instance's cgroup lives (recorded before it is made). */
export function instanceCgroupPath(instanceId: string): string {
  return `${LAB_CGROUP_ROOT}/${instanceId}`;
}

/** The leaf the instance's supervised processes join (v2 allows processes only in leaves). */
export function labProcessesCgroup(instanceCgroup: string): string {
  return `${instanceCgroup}/lab`;
}

/** Makes the instance's cgroup with its caps, and the leaf for its processes; false when cgroups are not writable. */
export function createInstanceCgroup(instanceCgroup: string, limits: LabLimits): boolean {
  return ProcessCgroup.make(instanceCgroup, limits) !== null && ProcessCgroup.make(labProcessesCgroup(instanceCgroup)) !== null;
}

/** Wraps argv so the process joins the instance's processes' cgroup before it execs (before it enters the host). */
export function joinInstance(instanceCgroup: string | null | undefined): (argv: string[]) => string[] {
  const cgroup = instanceCgroup ? ProcessCgroup.at(labProcessesCgroup(instanceCgroup)) : null;
  return (argv) => (cgroup ? cgroup.joinArgv(argv) : argv);
}

/** Every process of the instance's cgroup tree, wherever it moved (for tests and status). */
export function instanceProcesses(instanceCgroup: string): number[] {
  return ProcessCgroup.at(instanceCgroup)?.allPids() ?? [];
}

/** Kills every process in the instance's cgroup tree and removes it; safe when it never existed. */
export async function removeInstanceCgroup(instanceCgroup: string | null | undefined): Promise<void> {
  if (!instanceCgroup) return;
  // A paused instance's processes act on SIGKILL only once thawed (instanceFreezer.ts).
  thawForTeardown(instanceCgroup);
  await ProcessCgroup.at(instanceCgroup)?.killAll();
  removeFreezerCgroup(instanceCgroup);
}

/**
 * `startLab()`: load and validate the definition, remove what dead runtimes of the same prefix left,
 * claim a subnet, record the instance, make its cgroup (instanceCgroup.ts), create its network, write its files, start its processes in
 * dependency order, and hand back a `LabInstance`. Any failure before the processes start removes
 * everything it created.
 *
 * In a gateway, starts run beside other learners' terminals on the same thread: the synchronous part
 * is kept short. The definition is loaded once per lab file version (`loadLabOnce`: parsing and
 * checking `connections` takes 50-180 ms), and the subnet claim reads `ip addr` without blocking.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  claimSubnet,
  DEFAULT_PREFIX,
  isRuntimeAlive,
  listInstances,
  newInstanceId,
  noInstanceMessage,
  readRecord,
  releaseSubnet,
  runtimeDirFrom,
  selfRuntime,
  usedSubnetsAsync,
  writeRecord,
  type InstanceRecord,
} from './instanceState.ts';
import { loadLab, PROJECT_DIR, type LoadResult } from './loadLab.ts';
import { createInstanceCgroup, instanceCgroupPath, labLimitsFrom, removeInstanceCgroup } from './instanceCgroup.ts';
import { DEFAULT_DRIVER, driverFor, instanceDriver } from './labDriver.ts';
import { planLab, type PlannedHost, type PlannedProcess } from './plan.ts';
import { RunningLab } from './runningLab.ts';
import type { LabProgress, StartLabOptions, StartLabResult } from './types.ts';
import { substitute } from './validate.ts';

/** Re-exported: CLI commands run commands in hosts of an instance recorded on disk. */
export { execInHost } from './runningLab.ts';

export async function startLab(options: StartLabOptions): Promise<StartLabResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const loaded = loadLabOnce(options.lab, projectDir);
  if (!loaded.ok) {
    return { ok: false, errors: loaded.errors, message: `${loaded.errors.length} error(s) in the lab definition` };
  }
  const lab = loaded.lab;
  if (process.getuid?.() !== 0) {
    return { ok: false, errors: [], message: 'the netns lab driver needs root (network namespaces, veths, nft); run as root' };
  }
  const runtimeDir = runtimeDirFrom(options.runtimeDir);
  const prefix = options.prefix ?? process.env.PATCHBAY_PREFIX ?? DEFAULT_PREFIX;
  if (!/^[a-z][a-z0-9]{0,4}$/.test(prefix)) {
    return { ok: false, errors: [], message: `the instance prefix must be 1-5 lowercase letters or digits starting with a letter, got "${prefix}"` };
  }
  const limits = labLimitsFrom(process.env);
  if (!limits.ok) return { ok: false, errors: [], message: limits.message };
  mkdirSync(runtimeDir, { recursive: true });
  await cleanStaleInstances(runtimeDir, prefix, progress);

  const id = options.instanceId ?? newInstanceId(prefix);
  const dir = join(runtimeDir, id);
  mkdirSync(dir, { recursive: true });
  const subnetIndex = claimSubnet(id, await usedSubnetsAsync());
  if (subnetIndex === null) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, errors: [], message: 'no free 10.213.N.0/24 subnet for a new lab instance' };
  }
  const plan = planLab(lab, { id, subnetIndex, dir });
  const driver = driverFor(DEFAULT_DRIVER);
  const record: InstanceRecord = {
    id,
    prefix,
    lab: lab.name,
    labFile: lab.file,
    driver: driver.name,
    dir,
    subnetIndex,
    runtime: selfRuntime(),
    // Recorded before it is made, like everything else the instance creates.
    cgroup: instanceCgroupPath(id),
    createdAt: new Date().toISOString(),
    driverState: driver.newState(plan),
    hosts: plan.hosts.map((h) => ({ name: h.name, aliases: h.aliases, address: h.address, env: h.env, terminal: h.terminal })),
    processes: Object.fromEntries(plan.processes.map((p) => [p.id, { host: p.host, name: p.name, pid: null, logFile: p.logFile }])),
    prometheusUrl: plan.prometheusUrl,
    health: null,
  };
  writeRecord(record);
  if (!createInstanceCgroup(record.cgroup!, limits.limits)) {
    // Not writable here (not root, no pids controller): the lab runs without caps, torn down by namespace.
    await removeInstanceCgroup(record.cgroup);
    record.cgroup = null;
    writeRecord(record);
  }

  const teardown = async () => {
    await driver.destroy(record.driverState);
    // What left the hosts' namespaces (nsenter, setsid nohup) is still in the instance's cgroup.
    await removeInstanceCgroup(record.cgroup);
    releaseSubnet(subnetIndex, id);
    rmSync(dir, { recursive: true, force: true });
  };

  const net = await driver.create(plan, record.driverState, () => writeRecord(record));
  if (!net.ok) {
    await teardown();
    return { ok: false, errors: [], message: net.message };
  }
  progress({ kind: 'network', message: `${plan.hosts.length} hosts on ${plan.subnet}`, elapsedMs: Date.now() - started });
  const files = writeFiles(plan);
  if (!files.ok) {
    await teardown();
    return { ok: false, errors: [], message: files.message };
  }

  const instance = new RunningLab(plan, record, instanceDriver(record), teardown, progress, started);
  instance.launch();
  if (options.waitReady !== false) await instance.ready();
  return { ok: true, instance };
}

/** Definitions loaded without errors, by lab and project, with the version of the file they came from. */
const loadedLabs = new Map<string, { file: string; mtimeMs: number; size: number; result: Extract<LoadResult, { ok: true }> }>();

/**
 * loadLab, but a definition already loaded from the same file, unchanged since (modification time and
 * size), is not parsed and checked again: a pool starts the same lab many times.
 */
function loadLabOnce(lab: string, projectDir: string): LoadResult {
  const key = `${lab}\0${projectDir}`;
  const known = loadedLabs.get(key);
  if (known) {
    try {
      const st = statSync(known.file);
      if (st.mtimeMs === known.mtimeMs && st.size === known.size) return known.result;
    } catch {
      // Gone: load (and report) it again.
    }
  }
  const result = loadLab(lab, projectDir);
  loadedLabs.delete(key);
  if (result.ok) {
    try {
      const st = statSync(result.lab.file);
      loadedLabs.set(key, { file: result.lab.file, mtimeMs: st.mtimeMs, size: st.size, result });
    } catch {
      // Not a file on disk: nothing to remember.
    }
  }
  return result;
}

/** Writes each process's files into its host's directory (exported for its test). */
export function writeFiles(plan: {
  hosts: readonly Pick<PlannedHost, 'name' | 'hostDir'>[];
  processes: readonly Pick<PlannedProcess, 'id' | 'host' | 'files' | 'logFile'>[];
}): { ok: true } | { ok: false; message: string } {
  const hostDirs = new Map(plan.hosts.map((h) => [h.name, resolve(h.hostDir)]));
  for (const p of plan.processes) {
    mkdirSync(dirname(p.logFile), { recursive: true });
    const hostDir = hostDirs.get(p.host)!;
    for (const f of p.files) {
      // The loader refuses such paths already; a file is still never written outside its host's directory.
      const inside = relative(hostDir, resolve(f.path));
      if (inside === '' || inside === '..' || inside.startsWith('../') || isAbsolute(inside)) {
        return { ok: false, message: `${p.id}: refusing to write ${f.path}: outside the host's directory ${hostDir}` };
      }
      try {
        mkdirSync(dirname(f.path), { recursive: true });
        const content = f.content ?? substitute(readFileSync(f.from!, 'utf8'), f.vars ?? {});
        writeFileSync(f.path, content);
        if (f.mode !== undefined) chmodSync(f.path, f.mode);
      } catch (error) {
        return { ok: false, message: `${p.id}: cannot write ${f.path}: ${(error as Error).message}` };
      }
    }
  }
  return { ok: true };
}

/** Removes instances of this prefix whose runtime is gone (killed, crashed, machine rebooted). */
export async function cleanStaleInstances(runtimeDir: string, prefix: string, progress: (e: LabProgress) => void = () => {}): Promise<string[]> {
  const removed: string[] = [];
  for (const record of listInstances(runtimeDir)) {
    if (record.prefix !== prefix || isRuntimeAlive(record)) continue;
    progress({ kind: 'cleanup', instance: record.id, message: `removing instance ${record.id} of lab ${record.lab} left by a runtime that is gone (pid ${record.runtime.pid})` });
    await removeInstance(runtimeDir, record);
    removed.push(record.id);
  }
  return removed;
}

/** Removes everything an instance record names; safe on a half-created or half-removed instance. */
export async function removeInstance(_runtimeDir: string, record: InstanceRecord): Promise<void> {
  await instanceDriver(record).destroy();
  // Processes that moved out of the hosts' namespaces or sessions are found by cgroup.
  await removeInstanceCgroup(record.cgroup);
  releaseSubnet(record.subnetIndex, record.id);
  rmSync(record.dir, { recursive: true, force: true });
}



/** The record of a running instance by id (or the only one), for CLI commands in another process. */
export function findInstance(runtimeDir: string, id?: string): { ok: true; record: InstanceRecord } | { ok: false; message: string } {
  if (id) {
    const record = readRecord(join(runtimeDir, id));
    return record ? { ok: true, record } : { ok: false, message: noInstanceMessage(runtimeDir, id) };
  }
  const live = listInstances(runtimeDir).filter(isRuntimeAlive);
  if (live.length === 1) return { ok: true, record: live[0]! };
  if (live.length === 0) return { ok: false, message: 'no lab instance is running (start one with `patchbay up`)' };
  return { ok: false, message: `${live.length} lab instances are running (${live.map((r) => `${r.id} (${r.lab})`).join(', ')}); name one with --instance` };
}

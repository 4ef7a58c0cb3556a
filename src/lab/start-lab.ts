/**
 * `startLab()`: load and validate the definition, remove what dead runtimes of the same prefix left,
 * claim a subnet, record the instance, create its network, write its files, start its processes in
 * dependency order, and hand back a `LabInstance`. Any failure before the processes start removes
 * everything it created.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostHealth, LabHealth, LabState } from '../protocol/health.ts';
import { hostArgv } from './host-command.ts';
import {
  claimSubnet,
  DEFAULT_PREFIX,
  isRuntimeAlive,
  listInstances,
  newInstanceId,
  readRecord,
  releaseSubnet,
  runtimeDirFrom,
  selfRuntime,
  writeRecord,
  type InstanceRecord,
} from './instance-state.ts';
import { baseEnv, lookupUser } from './lab-env.ts';
import { loadLab, PROJECT_DIR } from './load-lab.ts';
import { emptyNetworkRecord } from './netns-driver.ts';
import { DEFAULT_DRIVER, driverFor } from './lab-driver.ts';
import { planLab, type LabPlan } from './plan.ts';
import { runCommand } from './run-command.ts';
import { SupervisedProcess, type StartOutcome } from './supervised-process.ts';
import { resolveTerminal } from './terminal-policy.ts';
import type { ExecResult, LabInstance, LabProgress, StartLabOptions, StartLabResult } from './types.ts';
import { substitute } from './validate.ts';

/** `exec` without a timeout still ends: a lab command that hangs this long is a bug in the lesson. */
const DEFAULT_EXEC_TIMEOUT_MS = 120_000;

export async function startLab(options: StartLabOptions): Promise<StartLabResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const loaded = loadLab(options.lab, projectDir);
  if (!loaded.ok) {
    return { ok: false, errors: loaded.errors, message: `${loaded.errors.length} error(s) in the lab definition` };
  }
  const lab = loaded.lab;
  if (process.getuid?.() !== 0) {
    return { ok: false, errors: [], message: 'the netns lab driver needs root (network namespaces, veths, nft); run as root' };
  }
  const runtimeDir = runtimeDirFrom(options.runtimeDir);
  const prefix = options.prefix ?? process.env.PATCHBAY_PREFIX ?? DEFAULT_PREFIX;
  mkdirSync(runtimeDir, { recursive: true });
  await cleanStaleInstances(runtimeDir, prefix, progress);

  const id = options.instanceId ?? newInstanceId(prefix);
  const dir = join(runtimeDir, id);
  mkdirSync(dir, { recursive: true });
  const subnetIndex = claimSubnet(id);
  if (subnetIndex === null) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, errors: [], message: 'no free 10.213.N.0/24 subnet for a new lab instance' };
  }
  const plan = planLab(lab, { id, subnetIndex, dir });
  const record: InstanceRecord = {
    id,
    prefix,
    lab: lab.name,
    labFile: lab.file,
    driver: DEFAULT_DRIVER,
    dir,
    subnetIndex,
    runtime: selfRuntime(),
    createdAt: new Date().toISOString(),
    network: emptyNetworkRecord(),
    hosts: plan.hosts.map((h) => ({ name: h.name, address: h.address, netns: h.netns, utsFile: h.utsFile, hostDir: h.hostDir, env: h.env, terminal: h.terminal })),
    processes: Object.fromEntries(plan.processes.map((p) => [p.id, { host: p.host, name: p.name, pid: null, logFile: p.logFile }])),
    prometheusUrl: plan.prometheusUrl,
    health: null,
  };
  writeRecord(record);

  const driver = driverFor(record.driver);
  const teardown = async () => {
    await driver.destroy(record.network);
    releaseSubnet(subnetIndex, id);
    rmSync(dir, { recursive: true, force: true });
  };

  const net = await driver.create(plan, record.network, () => writeRecord(record));
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

  const instance = new RunningLab(plan, record, teardown, progress, started);
  instance.launch();
  if (options.waitReady !== false) await instance.ready();
  return { ok: true, instance };
}

function writeFiles(plan: LabPlan): { ok: true } | { ok: false; message: string } {
  for (const p of plan.processes) {
    mkdirSync(dirname(p.logFile), { recursive: true });
    for (const f of p.files) {
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
  await driverFor(record.driver).destroy(record.network);
  releaseSubnet(record.subnetIndex, record.id);
  rmSync(record.dir, { recursive: true, force: true });
}

class RunningLab implements LabInstance {
  readonly name: string;
  readonly id: string;
  readonly dir: string;
  readonly subnet: string;
  readonly prometheusUrl: string | null;
  readonly hosts;
  readonly resolver;
  private state: LabState = 'starting';
  private readonly processes: SupervisedProcess[];
  private readonly outcomes = new Map<string, Promise<StartOutcome>>();
  private allSettled: Promise<{ ok: true } | { ok: false; message: string }> | null = null;
  private stopped: Promise<void> | null = null;
  private persistTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly plan: LabPlan,
    private readonly record: InstanceRecord,
    private readonly teardown: () => Promise<void>,
    private readonly progress: (e: LabProgress) => void,
    private readonly started: number,
  ) {
    this.name = plan.lab;
    this.id = plan.id;
    this.dir = plan.dir;
    this.subnet = plan.subnet;
    this.prometheusUrl = plan.prometheusUrl;
    this.hosts = plan.hosts.map((h) => ({ name: h.name, address: h.address, netns: h.netns, processes: plan.processes.filter((p) => p.host === h.name).map((p) => p.name) }));
    this.processes = plan.processes.map((p) => new SupervisedProcess(p, this.hostNs(p.host), (sp) => this.onProcessChange(sp)));
    this.resolver = { resolve: (request: { target: string; user?: string; shell?: string; workdir?: string }) => this.spawnSpecFor(request.target, request) };
  }

  private hostNs(name: string) {
    const h = this.plan.hosts.find((x) => x.name === name)!;
    return { netns: h.netns, utsFile: h.utsFile };
  }

  /** Starts each process once everything it depends on is ready; dependents of a failure fail too. */
  launch(): void {
    for (const sp of this.processes) {
      const deps = sp.plan.dependsOn.map((d) => this.outcomes.get(d)!);
      this.outcomes.set(
        sp.id,
        Promise.all(deps).then((results) => {
          const failed = results.find((r) => !r.ok);
          if (this.stopped) return { ok: false, message: 'lab stopping' } as StartOutcome;
          if (failed) {
            sp.state = 'failed';
            sp.lastError = `not started: a dependency failed (${(failed as { message: string }).message})`;
            this.onProcessChange(sp);
            return { ok: false, message: sp.lastError } as StartOutcome;
          }
          return sp.start();
        }),
      );
    }
    this.allSettled = Promise.all([...this.outcomes.values()]).then((results) => {
      const failed = results.filter((r): r is { ok: false; message: string } => !r.ok);
      this.updateState();
      if (failed.length) return { ok: false as const, message: failed.map((f) => f.message).join('; ') };
      this.progress({ kind: 'ready', elapsedMs: Date.now() - this.started });
      return { ok: true as const };
    });
  }

  ready() {
    return this.allSettled!;
  }

  private onProcessChange(sp: SupervisedProcess): void {
    this.record.processes[sp.id]!.pid = sp.pid;
    this.progress({ kind: 'process', host: sp.plan.host, process: sp.plan.name, state: sp.state, elapsedMs: Date.now() - this.started, ...(sp.lastError && sp.state !== 'ready' ? { message: sp.lastError } : {}) });
    this.updateState();
  }

  private updateState(): void {
    if (this.state !== 'stopping' && this.state !== 'down') {
      const states = this.processes.map((p) => p.state);
      const failing = this.processes.some((p) => p.state === 'failed' || p.state === 'restarting');
      if (failing) this.state = 'degraded';
      else if (states.every((s) => s === 'ready' || s === 'stopped')) this.state = 'ready';
      else this.state = this.state === 'starting' ? 'starting' : 'degraded';
    }
    this.schedulePersist();
  }

  /** Health goes to disk for `patchbay status`; coalesced so a burst of changes is one write. */
  private schedulePersist(): void {
    if (this.persistTimer || this.state === 'down') return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      if (this.state === 'down') return;
      this.record.health = this.health();
      try {
        writeRecord(this.record);
      } catch {
        // The instance dir is being removed.
      }
    }, 50);
  }

  health(): LabHealth {
    const hosts: HostHealth[] = this.plan.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      processes: this.processes
        .filter((p) => p.plan.host === h.name)
        .map((p) => ({ name: p.plan.name, state: p.state, restarts: p.restarts, ...(p.lastError !== undefined ? { lastError: p.lastError } : {}) })),
    }));
    const failing = this.processes.filter((p) => p.state === 'failed' || p.state === 'restarting').map((p) => p.id);
    return { name: this.name, instance: this.id, state: this.state, hosts, failing };
  }

  spawnSpecFor(host: string, options: { user?: string; shell?: string; workdir?: string } = {}) {
    if (this.state === 'stopping' || this.state === 'down') return { ok: false as const, code: 'PB_LAB_NOT_READY' as const, message: `The lab is ${this.state}` };
    return resolveTerminal(this.name, this.record.hosts, host, options);
  }

  async exec(host: string, command: string[], options: { timeoutMs?: number; user?: string } = {}): Promise<ExecResult> {
    const h = this.record.hosts.find((x) => x.name === host);
    if (!h) return { exitCode: 127, stdout: '', stderr: `No host "${host}" in lab ${this.name}; its hosts are: ${this.hosts.map((x) => x.name).join(', ')}\n` };
    return execInHost(h, command, options);
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.state = 'stopping';
      if (this.persistTimer) clearTimeout(this.persistTimer);
      this.persistTimer = null;
      // Dependents first: each round stops, in parallel, every process nothing left running depends on.
      let left = [...this.processes];
      while (left.length) {
        const needed = new Set(left.flatMap((p) => p.plan.dependsOn));
        const round = left.filter((p) => !needed.has(p.id));
        await Promise.all(round.map((p) => p.stop()));
        left = left.filter((p) => !round.includes(p));
      }
      this.state = 'down';
      await this.teardown();
    })();
    return this.stopped;
  }
}

/** Runs argv inside a host recorded on disk (used by `exec()` and by `patchbay exec` from another process). */
export async function execInHost(
  host: InstanceRecord['hosts'][number],
  command: string[],
  options: { timeoutMs?: number; user?: string } = {},
): Promise<ExecResult> {
  const user = lookupUser(options.user ?? 'root');
  const [file, ...args] = hostArgv(host, command, user);
  const r = await runCommand(file!, args, { env: { ...baseEnv(user, host.name), ...host.env }, timeoutMs: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, cwd: host.hostDir });
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** The record of a running instance by id (or the only one), for CLI commands in another process. */
export function findInstance(runtimeDir: string, id?: string): { ok: true; record: InstanceRecord } | { ok: false; message: string } {
  if (id) {
    const record = readRecord(join(runtimeDir, id));
    return record ? { ok: true, record } : { ok: false, message: `no lab instance ${id} in ${runtimeDir}` };
  }
  const live = listInstances(runtimeDir).filter(isRuntimeAlive);
  if (live.length === 1) return { ok: true, record: live[0]! };
  if (live.length === 0) return { ok: false, message: 'no lab instance is running (start one with `patchbay up`)' };
  return { ok: false, message: `${live.length} lab instances are running (${live.map((r) => `${r.id} (${r.lab})`).join(', ')}); name one with --instance` };
}

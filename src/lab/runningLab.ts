/**
 * A started lab instance (the `LabInstance` startLab() returns): launches its processes in dependency
 * order, derives the lab's health from theirs, persists it for `patchbay status`, answers terminal and
 * exec requests for its hosts, and stops everything in reverse dependency order.
 */
import type { HostHealth, LabHealth, LabState } from '../protocol/health.ts';
import { findHost, unknownHostMessage } from './hostNames.ts';
import { writeRecord, type HostRecord, type InstanceRecord } from './instanceState.ts';
import { instanceDriver, type InstanceDriver } from './labDriver.ts';
import { baseEnv, lookupUser } from './labEnv.ts';
import type { LabPlan } from './plan.ts';
import { runCommand } from './runCommand.ts';
import { SupervisedProcess, type StartOutcome } from './supervisedProcess.ts';
import { joinInstance } from './instanceCgroup.ts';
import { resolveTerminal } from './terminalPolicy.ts';
import type { ExecOptions, ExecResult, LabInstance, LabProgress } from './types.ts';

/** `exec` without a timeout still ends: a lab command that hangs this long is a bug in the lesson. */
const DEFAULT_EXEC_TIMEOUT_MS = 120_000;

export class RunningLab implements LabInstance {
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
    private readonly driver: InstanceDriver,
    private readonly teardown: () => Promise<void>,
    private readonly progress: (e: LabProgress) => void,
    private readonly started: number,
  ) {
    this.name = plan.lab;
    this.id = plan.id;
    this.dir = plan.dir;
    this.subnet = plan.subnet;
    this.prometheusUrl = plan.prometheusUrl;
    this.hosts = plan.hosts.map((h) => ({ name: h.name, aliases: h.aliases, address: h.address, processes: plan.processes.filter((p) => p.host === h.name).map((p) => p.name) }));
    // Each process joins the instance's cgroup before it enters its host, so teardown finds it wherever it moves.
    const enter = joinInstance(record.cgroup);
    this.processes = plan.processes.map((p) => new SupervisedProcess(p, (argv, options) => driver.enter(p.host, argv, options), (sp) => this.onProcessChange(sp), enter));
    this.resolver = { resolve: (request: { target: string; user?: string; shell?: string; workdir?: string }) => this.spawnSpecFor(request.target, request) };
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
      ...(h.aliases.length && { aliases: h.aliases }),
      address: h.address,
      processes: this.processes
        .filter((p) => p.plan.host === h.name)
        .map((p) => ({ name: p.plan.name, state: p.state, restarts: p.restarts, ...(p.lastError !== undefined ? { lastError: p.lastError } : {}) })),
    }));
    const failing = this.processes.filter((p) => p.state === 'failed' || p.state === 'restarting').map((p) => p.id);
    const scrape = this.plan.scrapeIntervalSeconds;
    return { name: this.name, instance: this.id, state: this.state, hosts, failing, ...(scrape !== null && { scrapeIntervalSeconds: scrape }) };
  }

  spawnSpecFor(host: string, options: { user?: string; shell?: string; workdir?: string } = {}) {
    if (this.state === 'stopping' || this.state === 'down') return { ok: false as const, code: 'PB_LAB_NOT_READY' as const, message: `The lab is ${this.state}` };
    const resolved = resolveTerminal(this.name, this.record.hosts, this.driver, host, options);
    // The terminal's cgroup nests under the instance's, whose caps then cover it.
    if (resolved.ok && this.record.cgroup) resolved.spec.cgroupParent = this.record.cgroup;
    return resolved;
  }

  async exec(host: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const h = findHost(this.record.hosts, host);
    if (!h) return { exitCode: 127, stdout: '', stderr: `${unknownHostMessage(this.name, this.record.hosts, host, { sentence: true })}\n` };
    return execInHost(this.record, h, command, options);
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

/** Runs argv inside a host of an instance recorded on disk, in the host's own directory (used by `exec()`). */
export async function execInHost(record: InstanceRecord, host: HostRecord, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const user = lookupUser(options.user ?? 'root');
  const entry = instanceDriver(record).enter(host.name, command, { user });
  // In the instance's cgroup when it has one: its caps cover the command, and teardown finds what it leaves.
  const [file, ...args] = joinInstance(record.cgroup)([entry.file, ...entry.args]);
  const r = await runCommand(file!, args, { env: { ...baseEnv(user, host.name), ...entry.env, ...host.env }, timeoutMs: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, cwd: entry.cwd, ...(options.maxOutputChars !== undefined && { maxOutputChars: options.maxOutputChars }) });
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

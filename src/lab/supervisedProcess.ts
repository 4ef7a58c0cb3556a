/**
 * One lab process under supervision: started inside its host's namespaces with its own environment,
 * output into its log, readiness probed, restarted on exit per its policy with capped exponential
 * backoff, stopped with SIGTERM then SIGKILL to its whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessState } from '../protocol/health.ts';
import type { EnterOptions, HostCommand } from './labDriver.ts';
import { lookupUser } from './labEnv.ts';
import { LogFile } from './logFile.ts';
import { TERM_GRACE_MS } from './namespaceProcesses.ts';
import type { PlannedProcess } from './plan.ts';
import { runProbe } from './probe.ts';

/** Ready this long without a crash → the next crash starts again from the initial backoff. */
export const BACKOFF_RESET_MS = 10_000;
/**
 * A restarted process without a readiness probe counts as ready once it has stayed up this long, so a
 * crash loop reads as `restarting` rather than flickering to `ready` between crashes. (On the first
 * start it is ready at once: start-up speed matters there, and a crash is reported when it happens.)
 */
export const RESTART_MIN_UPTIME_MS = 1_000;

export type StartOutcome = { ok: true } | { ok: false; message: string };

export class SupervisedProcess {
  state: ProcessState = 'pending';
  restarts = 0;
  lastError: string | undefined;
  pid: number | null = null;

  private child: ChildProcess | null = null;
  private stopping = false;
  private failures = 0;
  private generation = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: LogFile;
  private readonly firstStart: Promise<StartOutcome>;
  private settleFirstStart!: (outcome: StartOutcome) => void;
  private exited: Promise<void> = Promise.resolve();
  /** When the first launch happened: `startTimeout` counts from here, across restarts. */
  private firstLaunchAt = 0;
  private firstStartSettled = false;

  constructor(
    readonly plan: PlannedProcess,
    /** How a command enters the process's host (its instance's driver). */
    private readonly enterHost: (argv: string[], options: EnterOptions) => HostCommand,
    private readonly onChange: (p: SupervisedProcess) => void,
    /** Wraps the host command (joins the instance's cgroup before anything else runs), outside the driver's. */
    private readonly enter: (argv: string[]) => string[] = (argv) => argv,
  ) {
    this.log = new LogFile(plan.logFile);
    this.firstStart = new Promise((resolve) => {
      this.settleFirstStart = (outcome) => {
        if (this.firstStartSettled) return;
        this.firstStartSettled = true;
        resolve(outcome);
      };
    });
  }

  get id(): string {
    return this.plan.id;
  }

  /** Launches the process; resolves when it is first ready, or with why it could not become ready. */
  start(): Promise<StartOutcome> {
    this.firstLaunchAt = Date.now();
    this.launch();
    return this.firstStart;
  }

  private setState(state: ProcessState, error?: string): void {
    this.state = state;
    if (error !== undefined) this.lastError = error;
    this.onChange(this);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private launch(): void {
    if (this.stopping) return;
    const generation = ++this.generation;
    const host = this.enterHost(this.plan.argv, { user: lookupUser(this.plan.user), workdir: this.plan.workdir });
    this.log.note(`starting: ${this.plan.argv.join(' ')}`);
    const [entered, ...enteredArgs] = this.enter([host.file, ...host.args]);
    const child = spawn(entered!, enteredArgs, { cwd: host.cwd, env: { ...host.env, ...this.plan.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.pid = child.pid ?? null;
    child.stdout!.on('data', (d: Buffer) => this.log.write(d));
    child.stderr!.on('data', (d: Buffer) => this.log.write(d));
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.log.note(`could not start: ${err.message}`);
      });
      // On `exit`, not `close`: killed before its own child (nsenter forks into the host's PID namespace)
      // had armed its parent-death signal, that child lives on holding the pipes, and `close` never comes.
      // Whatever is left in the process group goes with it, so a restart does not run beside it.
      let done = false;
      const exited = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Group already gone.
        }
        resolve();
        this.onExit(generation, code, signal);
      };
      child.on('exit', exited);
      child.on('close', exited);
    });
    const state = this.restarts > 0 ? 'restarting' : 'starting';
    if (this.state !== state) this.setState(state);
    if (!this.plan.probe) {
      if (this.restarts === 0) this.becomeReady(generation);
      else this.later(RESTART_MIN_UPTIME_MS, () => this.becomeReady(generation));
    }
    else this.probeUntilReady(generation);
  }

  private probeUntilReady(generation: number): void {
    const probe = this.plan.probe!;
    const attempt = async () => {
      if (this.stopping || generation !== this.generation || this.child?.exitCode !== null || this.child.signalCode !== null) return;
      const result = await runProbe(this.enterHost, probe, this.plan.env);
      if (this.stopping || generation !== this.generation) return;
      if (result.ok) return this.becomeReady(generation);
      if (!this.firstStartSettled && Date.now() - this.firstLaunchAt > probe.startTimeout) {
        const message = `not ready after ${probe.startTimeout} ms: ${result.message}`;
        this.log.note(message);
        this.setState('failed', message);
        this.settleFirstStart({ ok: false, message: `${this.id}: ${message}` });
        return;
      }
      this.later(probe.interval, () => void attempt());
    };
    void attempt();
  }

  private becomeReady(generation: number): void {
    if (generation !== this.generation || this.stopping || this.pid === null) return;
    this.setState('ready');
    this.log.note('ready');
    this.settleFirstStart({ ok: true });
    this.later(BACKOFF_RESET_MS, () => {
      if (generation === this.generation && this.state === 'ready') this.failures = 0;
    });
  }

  private onExit(generation: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (generation !== this.generation) return;
    this.pid = null;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.log.note(how);
    if (this.stopping) return this.setState('stopped');
    const failed = signal !== null || code !== 0;
    const restart = this.plan.restart === 'always' || (this.plan.restart === 'on-failure' && failed);
    if (!restart) {
      this.setState(failed ? 'failed' : 'stopped', failed ? how : undefined);
      this.settleFirstStart(failed ? { ok: false, message: `${this.id} ${how}` } : { ok: true });
      return;
    }
    const delay = Math.min(this.plan.backoff.initial * 2 ** this.failures, this.plan.backoff.max);
    this.failures++;
    this.restarts++;
    this.lastError = how;
    this.log.note(`restarting in ${delay} ms (restart ${this.restarts})`);
    this.setState('restarting', how);
    // Crashing before it was ever ready: the start fails once startTimeout has passed (restarts go on).
    const limit = this.plan.probe?.startTimeout;
    if (!this.firstStartSettled && limit !== undefined && Date.now() - this.firstLaunchAt > limit) {
      this.settleFirstStart({ ok: false, message: `${this.id}: not ready after ${limit} ms (${how}, ${this.restarts} restarts)` });
    }
    this.later(delay, () => this.launch());
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid) {
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // Group already gone.
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), TERM_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
      kill('SIGKILL'); // anything left in the group
    }
    if (this.state !== 'failed' && this.state !== 'stopped') this.setState('stopped');
    this.settleFirstStart({ ok: false, message: `${this.id} stopped before it was ready` });
    this.log.close();
  }
}

/**
 * Every live terminal, keyed by (session, terminal id): a learner reaches only their own. A terminal
 * outlives its socket for a grace period; the next attach with the same key resumes it.
 *
 * Attaching is two steps around the WebSocket upgrade. `prepare`, before it, finds the live terminal or
 * asks the resolver for a spawn spec (a lab's resolver may have to wait) and returns refusals (unknown
 * target, refused shell or user, lab not ready, too many terminals) as values; the server sends them
 * inside the socket as an Error frame and a 4xxx close, since a browser cannot read an upgrade's HTTP
 * answer. `attach`, once the socket exists, binds it: it resumes the terminal, or starts the shell only
 * then (also when the terminal ended in between), so an upgrade that fails starts nothing.
 */
import type { TerminalErrorCode } from '../protocol/errors.ts';
import type { TerminalRequest } from '../protocol/terminal.ts';
import type { ResolveResult, SpawnSpec, TargetResolver } from './target.ts';
import type { TerminalClient } from './TerminalClient.ts';
import { DEFAULT_TERMINAL_LIMITS, type TerminalLimits } from './TerminalLimits.ts';
import { TerminalSession } from './TerminalSession.ts';
import { ProcessCgroup, removeCgroupParent, sweepDeadOwners } from './ProcessCgroup.ts';
import { ownerName } from './processIdentity.ts';
import { ScreenWorkerPool, type ScreenPoolStats } from './ScreenWorkerPool.ts';
import { disposableTimeout, type Timer } from './lifecycle.ts';

export type Prepared =
  | { ok: true; existing: TerminalSession | null; spec: SpawnSpec | null }
  | Extract<ResolveResult, { ok: false }>
  | { ok: false; code: Extract<TerminalErrorCode, 'PB_TOO_MANY_TERMINALS'>; message: string };

export interface TerminalRegistryOptions {
  resolver: TargetResolver;
  limits?: Partial<TerminalLimits>;
  /**
   * Parent cgroup of the gateways' terminals (default `patchbay`, shared by every gateway on the
   * machine and left in place); null disables cgroups. Each registry makes its own directory in it,
   * named after its process (`gw-<pid>-<start time>`), and removes the directories of owners that are
   * gone (a SIGKILLed gateway's), with every process in them. A parent given here is this registry's
   * (tests pass one with their prefix) and is removed on close when empty.
   */
  cgroupParent?: string | null;
  /** Where the server's screen copies are parsed: a worker thread (default) or the main thread. */
  screens?: 'worker' | 'inline';
  /** The screen worker ends once no screen has been open this long (ScreenWorkerPool's default). */
  screenWorkerIdleMs?: number;
}

export class TerminalRegistry {
  readonly limits: TerminalLimits;
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly graceTimers = new Map<TerminalSession, Timer>();
  /** Terminals that ended and are still tearing down; close() waits for them too. */
  private readonly ending = new Set<TerminalSession>();
  private readonly cgroupParent: string | null;
  /** This gateway's directory name in every parent it uses (`gw-<pid>-<start time>`). */
  private readonly owner = ownerName();
  /** The owner directories this registry made (its parent's, and those under lab instances). */
  private readonly ownerDirs = new Set<string>();
  private closed = false;
  private readonly screens: ScreenWorkerPool | null;
  /** The cleanup of dead gateways' terminals: the cgroups removed (their processes killed). */
  readonly swept: Promise<string[]>;

  constructor(private readonly options: TerminalRegistryOptions) {
    this.limits = { ...DEFAULT_TERMINAL_LIMITS, ...options.limits };
    this.cgroupParent = options.cgroupParent === undefined ? 'patchbay' : options.cgroupParent;
    this.screens = options.screens === 'inline' ? null : new ScreenWorkerPool({ ...(options.screenWorkerIdleMs !== undefined && { idleMs: options.screenWorkerIdleMs }) });
    const parent = this.cgroupParent;
    this.swept = parent === null ? Promise.resolve([]) : sweepDeadOwners(parent).catch(() => []);
  }

  /** What the screen copies hold now (no worker, no copies once every terminal ended and the worker idled). */
  screenStats(): Promise<ScreenPoolStats> {
    return this.screens?.stats() ?? Promise.resolve({ workers: 0, screens: 0, workerScreens: 0, estimatedBytes: 0 });
  }

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: string, terminalId: string): TerminalSession | undefined {
    return this.sessions.get(key(sessionId, terminalId));
  }

  all(): TerminalSession[] {
    return [...this.sessions.values()];
  }

  /** Every live terminal with the session (learner) id it is kept under: what the instructor's view lists. */
  entries(): { sessionId: string; terminalId: string; session: TerminalSession }[] {
    return [...this.sessions].filter(([, session]) => !session.hasEnded).map(([k, session]) => ({ sessionId: k.slice(0, k.indexOf('\u0000')), terminalId: session.terminalId, session }));
  }

  /** Finds the live terminal, or resolves the request into a spawn spec. Expected refusals are values. */
  async prepare(sessionId: string, terminalId: string, request: TerminalRequest): Promise<Prepared> {
    const existing = this.get(sessionId, terminalId);
    if (existing && !existing.hasEnded) return { ok: true, existing, spec: null };
    if (this.countFor(sessionId) >= this.limits.maxTerminalsPerSession) {
      return { ok: false, code: 'PB_TOO_MANY_TERMINALS', message: `a session may hold at most ${this.limits.maxTerminalsPerSession}` };
    }
    if (this.sessions.size >= this.limits.maxTerminals) {
      return { ok: false, code: 'PB_TOO_MANY_TERMINALS', message: `this gateway holds its maximum of ${this.limits.maxTerminals}; try again later` };
    }
    const resolved = await this.options.resolver.resolve(request, { owner: sessionId });
    if (!resolved.ok) return resolved;
    return { ok: true, existing: null, spec: resolved.spec };
  }

  /**
   * Binds a client: resumes the live terminal (the previous owner is taken over) or starts a new one
   * from the prepared spec. Returns the session the client now owns, or null if the registry closed.
   */
  attach(
    sessionId: string,
    terminalId: string,
    prepared: Extract<Prepared, { ok: true }>,
    client: TerminalClient,
    size: { cols: number; rows: number },
  ): TerminalSession | null {
    if (this.closed) return null;
    const k = key(sessionId, terminalId);
    let session = this.sessions.get(k);
    if (session?.hasEnded) session = undefined;
    if (session) {
      this.cancelGrace(session);
      session.attach(client, size);
      return session;
    }
    // Resolved earlier for a terminal that has ended since, or never existed: start it now.
    const spec = prepared.spec ?? prepared.existing?.spec;
    if (!spec) return null;
    session = new TerminalSession({
      terminalId,
      spec,
      cols: size.cols,
      rows: size.rows,
      limits: this.limits,
      cgroupParent: this.ownerDirFor(spec),
      ...(this.screens ? { openScreen: (size, onConsumed) => this.screens!.open(size, onConsumed) } : {}),
      onEnd: (ended) => {
        this.cancelGrace(ended);
        if (this.sessions.get(k) === ended) this.sessions.delete(k);
        this.ending.add(ended);
        void ended.dispose().finally(() => this.ending.delete(ended));
      },
    });
    this.sessions.set(k, session);
    session.attach(client);
    return session;
  }

  /**
   * Ends every terminal of one session with an error its client is told (the owner's target went away:
   * a lab instance reclaimed or reset), before whatever ran them is torn down. Returns how many ended.
   */
  endSession(sessionId: string, code: TerminalErrorCode, ...args: string[]): number {
    const prefix = key(sessionId, '');
    const ending = [...this.sessions].filter(([k]) => k.startsWith(prefix)).map(([, s]) => s);
    for (const s of ending) s.end(code, ...args);
    return ending.length;
  }

  /** The client's socket closed: keep the terminal for the grace period. */
  detach(session: TerminalSession, client: TerminalClient): void {
    if (!session.detach(client) || session.hasEnded) return;
    this.cancelGrace(session);
    this.graceTimers.set(
      session,
      disposableTimeout(this.limits.graceMs, () => {
        this.graceTimers.delete(session);
        if (!session.attached) void session.dispose();
      }),
    );
  }

  /** Ends every terminal and waits until all their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.graceTimers.values()) timer.dispose();
    this.graceTimers.clear();
    const all = [...this.sessions.values(), ...this.ending];
    await Promise.all(all.map((s) => s.dispose()));
    this.sessions.clear();
    await this.screens?.close();
    await this.swept;
    // Empty by now: every terminal's cgroup went with it.
    for (const dir of this.ownerDirs) await ProcessCgroup.at(dir)?.killAll();
    if (this.options.cgroupParent) removeCgroupParent(this.options.cgroupParent);
  }

  /** Where a terminal's cgroup is made: this gateway's directory under the target's parent (a lab instance's) or its own. */
  private ownerDirFor(spec: SpawnSpec): string | null {
    if (this.cgroupParent === null) return null;
    const dir = `${spec.cgroupParent ?? this.cgroupParent}/${this.owner}`;
    this.ownerDirs.add(dir);
    return dir;
  }

  private countFor(sessionId: string): number {
    const prefix = key(sessionId, '');
    let n = 0;
    for (const k of this.sessions.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  private cancelGrace(session: TerminalSession): void {
    this.graceTimers.get(session)?.dispose();
    this.graceTimers.delete(session);
  }
}

function key(sessionId: string, terminalId: string): string {
  return `${sessionId}\u0000${terminalId}`;
}

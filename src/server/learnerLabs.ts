/**
 * A lab instance of its own for every learner: the gateway's side of the LabPool (src/lab/LabPool.ts).
 * Keys are the learner ids the session layer gives routes and terminal sockets, so an instance survives
 * signing in again.
 *
 * - First need gets an instance: a terminal opened, a check, a graph or /prometheus/ request, or
 *   `POST /api/lab`. A graph poll does not count as activity, and after a reclaim it does not start a
 *   new instance either (PB_LAB_RECLAIMED): a page left open must not hold a lab.
 * - Activity (terminal input, a check, "stay") postpones the idle reclaim; the pool warns `warnMs` before.
 * - Use (every request that reaches the learner's instance passes through `instanceFor`, a terminal
 *   attach through `use`) thaws an instance the pool paused for want of use, before the request goes on;
 *   while a terminal of the learner is attached (`setAttached`) the instance is not paused.
 * - A reclaimed or reset instance ends its learner's terminals with a message first (PB_LAB_RECLAIMED,
 *   PB_LAB_RESET), never a silent dead shell; the next instance says why it is new (`fresh`).
 * - The roster records who holds which instance, and the learner's last activity.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LabPool, AcquireResult, PoolEvent } from '../lab/LabPool.ts';
import type { LabInstance } from '../lab/types.ts';
import type { LabHealth } from '../protocol/health.ts';
import type { HttpErrorCode, TerminalErrorCode } from '../protocol/errors.ts';
import { endedWords, type LabEndReason, type LearnerLabStatus } from '../protocol/learnerLab.ts';
import { PrometheusClient } from '../checker/prometheusClient.ts';
import type { Roster } from './roster.ts';
import type { Route, RouteContext } from './Route.ts';

export const LearnerLabLimits = {
  /**
   * How long a request (a terminal's upgrade, a check) waits for an instance being started for its
   * learner before answering "starting" (the dock and graphs try again). A cold start takes 1-3 s here.
   */
  ACQUIRE_WAIT_MS: 15_000,
} as const;

/** What a request needs of the learner's lab. */
export interface LabNeed {
  /** Counts as activity (postpones the idle reclaim): terminal input, checks; not graph polls. */
  activity: boolean;
  /** `unless-reclaimed`: a graph poll, which does not bring back a reclaimed instance. */
  acquire: 'always' | 'unless-reclaimed';
}

export type LearnerInstance = { ok: true; instance: LabInstance } | { ok: false; code: Extract<HttpErrorCode, 'PB_LAB_QUEUED' | 'PB_LAB_NOT_READY' | 'PB_LAB_RECLAIMED'>; message: string };

export interface LearnerLabsOptions {
  pool: LabPool;
  /** The lab's name, for health while a learner holds no instance. */
  labName: string;
  roster?: Roster | null;
  log?: (line: string) => void;
  /**
   * Local mode: the one warm instance started with the gateway is the learner's at once, and no idle
   * spare is kept after it is taken (a laptop runs what its one learner uses).
   */
  noSpareAfterFirst?: boolean;
}

interface Fresh {
  instance: string;
  reason: 'after-reclaim' | 'after-reset';
  endedBy?: LabEndReason;
}

export class LearnerLabs {
  readonly pool: LabPool;
  private readonly roster: Roster | null;
  private readonly log: (line: string) => void;
  private readonly labName: string;
  private endTerminals: ((learner: string, code: TerminalErrorCode, ...args: string[]) => void) | null = null;
  /** Learners whose last instance was reclaimed (not reset), until they get a new one. */
  private readonly reclaimed = new Map<string, { reason: LabEndReason; at: number }>();
  /** Learners whose current instance replaced a reclaimed or reset one. */
  private readonly fresh = new Map<string, Fresh>();
  private readonly warnings = new Map<string, { reason: 'idle' | 'lifetime'; reclaimAt: number }>();
  private readonly pending = new Map<string, Promise<AcquireResult>>();
  private readonly clients = new WeakMap<LabInstance, PrometheusClient>();
  /** Known from the first instance's health; graphs need it before the learner has an instance. */
  scrapeIntervalSeconds: number | undefined;
  private readonly unsubscribe: () => void;
  /** The learner's Prometheus for the route being handled (challengeRoutes asks for it without a context). */
  private readonly current = new AsyncLocalStorage<PrometheusClient | null>();

  constructor(options: LearnerLabsOptions) {
    this.pool = options.pool;
    this.roster = options.roster ?? null;
    this.log = options.log ?? (() => undefined);
    this.labName = options.labName;
    const noSpare = options.noSpareAfterFirst === true;
    this.unsubscribe = this.pool.subscribe((e) => {
      this.onEvent(e);
      // The pool reads its warm target on every refill: dropping it to 0 keeps no spare from now on.
      if (noSpare && e.type === 'assigned') this.pool.tunables.warm = 0;
    });
  }

  /** The gateway's terminals of a learner end through this (set once the gateway exists). */
  bindTerminals(end: (learner: string, code: TerminalErrorCode, ...args: string[]) => void): void {
    this.endTerminals = end;
  }

  /** How to tell whether a learner has a terminal socket attached (the gateway's registry): such an instance is never paused. */
  setAttached(attached: (learner: string) => boolean): void {
    this.pool.setInUse(attached);
  }

  /** A terminal socket of the learner is attaching: their instance, if paused, runs again before it does. */
  async use(learner: string): Promise<void> {
    await this.pool.use(learner);
  }

  /** Terminal input: activity of the learner. */
  activity(learner: string): void {
    if (this.pool.touch(learner)) this.roster?.touch(learner);
  }

  /** The learner's instance, acquired if they have none (and the need allows it). */
  async instanceFor(learner: string, need: LabNeed, waitMs: number = LearnerLabLimits.ACQUIRE_WAIT_MS): Promise<LearnerInstance> {
    const held = this.pool.instanceOf(learner);
    if (held) {
      // Every per-learner use passes here: a paused instance is thawed before the request goes on.
      await this.pool.use(learner);
      if (need.activity) {
        this.activity(learner);
        // A check right after a thaw would grade Prometheus' view of the pause (no samples, so no rate):
        // it waits for two scrapes first. Graphs go on at once and show the pause as a gap.
        const wait = (this.pool.resumedAt(learner) ?? 0) + this.catchUpMs() - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      return { ok: true, instance: held };
    }
    const reclaimed = this.reclaimed.get(learner);
    if (need.acquire === 'unless-reclaimed' && reclaimed && !this.pending.has(learner)) {
      return { ok: false, code: 'PB_LAB_RECLAIMED', message: endedWords(reclaimed.reason, this.pool.tunables.idleMs / 1000) };
    }
    const acquiring = this.acquire(learner);
    const queued = this.queueInfo(learner);
    if (queued && queued.phase === 'queued') return { ok: false, code: 'PB_LAB_QUEUED', message: queueWords(queued.queue!) };
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([acquiring, new Promise<null>((r) => (timer = setTimeout(() => r(null), waitMs)))]);
    clearTimeout(timer);
    if (waited === null) {
      const q = this.queueInfo(learner);
      return q?.phase === 'queued' ? { ok: false, code: 'PB_LAB_QUEUED', message: queueWords(q.queue!) } : { ok: false, code: 'PB_LAB_NOT_READY', message: 'starting your own instance' };
    }
    if (!waited.ok) return { ok: false, code: 'PB_LAB_NOT_READY', message: waited.message };
    return { ok: true, instance: waited.instance };
  }

  /** After a thaw: two scrape intervals and a margin, so rates have two fresh samples. */
  private catchUpMs(): number {
    return 2 * (this.scrapeIntervalSeconds ?? 2) * 1000 + 500;
  }

  /** Starts getting the learner an instance (if they have none and are not waiting); resolves when assigned. */
  acquire(learner: string): Promise<AcquireResult> {
    const pending = this.pending.get(learner);
    if (pending) return pending;
    const held = this.pool.instanceOf(learner);
    if (held) return Promise.resolve({ ok: true, instance: held, fresh: null, source: 'existing', waitedMs: 0 });
    const p = this.pool.acquire(learner).finally(() => {
      if (this.pending.get(learner) === p) this.pending.delete(learner);
    });
    this.pending.set(learner, p);
    return p;
  }

  /** "Stay": activity that clears an idle warning. False when the learner holds no instance. */
  stay(learner: string): boolean {
    const held = this.pool.touch(learner);
    if (held) this.roster?.touch(learner);
    return held;
  }

  /** Replaces the learner's instance with a fresh one (their terminals end with PB_LAB_RESET first). */
  reset(learner: string): void {
    if (!this.pool.instanceOf(learner) && !this.pool.waitStatus(learner)) {
      void this.acquire(learner);
      return;
    }
    const p = this.pool.reset(learner).finally(() => {
      if (this.pending.get(learner) === p) this.pending.delete(learner);
    });
    this.pending.set(learner, p);
  }

  /** Ends the learner's instance or wait (the instructor's "end"). */
  release(learner: string): Promise<void> {
    return this.pool.release(learner);
  }

  status(learner: string): LearnerLabStatus {
    const base = { idleSeconds: this.pool.tunables.idleMs / 1000, warnSeconds: this.pool.tunables.warnMs / 1000 };
    const held = this.pool.instanceOf(learner);
    if (held) {
      const warning = this.warnings.get(learner);
      const fresh = this.fresh.get(learner);
      const state = held.health().state;
      return {
        ...base,
        phase: state === 'starting' ? 'starting' : 'ready',
        instance: held.id,
        ...(warning && { warning: { ...warning, secondsLeft: Math.max(0, Math.round((warning.reclaimAt - Date.now()) / 1000)) } }),
        ...(fresh && fresh.instance === held.id && { fresh: { reason: fresh.reason, ...(fresh.endedBy && { endedBy: fresh.endedBy }) } }),
      };
    }
    const waiting = this.queueInfo(learner);
    if (waiting) return { ...base, ...waiting, instance: null };
    const reclaimed = this.reclaimed.get(learner);
    return { ...base, phase: 'none', instance: null, ...(reclaimed && { reclaimed }) };
  }

  /** /api/health's `lab` for a learner: their instance's health, or the lab's name with state none (or starting). */
  health(learner: string | null): LabHealth {
    const held = learner === null ? null : this.pool.instanceOf(learner);
    if (held) {
      const h = held.health();
      this.scrapeIntervalSeconds ??= h.scrapeIntervalSeconds;
      return h;
    }
    const scrape = this.scrapeIntervalSeconds;
    let state: LabHealth['state'];
    if (learner !== null) state = this.pool.waitStatus(learner) !== null ? 'starting' : 'none';
    else {
      // Without a session: the pool as a whole (a liveness probe), never anyone's instance.
      const s = this.pool.stats();
      state = s.warm + s.assigned > 0 ? 'ready' : s.lastStartError !== null ? 'degraded' : 'starting';
    }
    return { name: this.labName, instance: '', state, hosts: [], failing: [], ...(scrape !== undefined && { scrapeIntervalSeconds: scrape }) };
  }

  /** The learner's lab's Prometheus, for the route being handled (see `routesWithLab`). */
  prometheus(): PrometheusClient | null {
    return this.current.getStore() ?? null;
  }

  /** The base URL of the learner's Prometheus (the /prometheus/ UI proxy), for the route being handled. */
  prometheusUrl(): string | null {
    return this.current.getStore()?.baseUrl ?? null;
  }

  /**
   * Routes that reach the learner's own instance: before a route `need` names runs, the learner's
   * instance is found (or acquired), and `prometheus()`/`prometheusUrl()` give its Prometheus while the
   * handler runs. A learner with no instance to use gets PB_LAB_QUEUED, PB_LAB_NOT_READY or PB_LAB_RECLAIMED.
   */
  routesWithLab(routes: Route[], need: (route: Route) => LabNeed | null): Route[] {
    return routes.map((route) => {
      const wants = need(route);
      if (!wants) return route;
      return {
        ...route,
        handler: async (req, res, ctx: RouteContext) => {
          const r = await this.instanceFor(ctx.sessionId, wants);
          if (!r.ok) return ctx.sendError(r.code, r.message);
          return this.current.run(this.clientFor(r.instance), () => route.handler(req, res, ctx));
        },
      };
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private clientFor(instance: LabInstance): PrometheusClient | null {
    if (!instance.prometheusUrl) return null;
    let client = this.clients.get(instance);
    if (!client) this.clients.set(instance, (client = new PrometheusClient(instance.prometheusUrl)));
    return client;
  }

  /** The learner's wait: `starting` while a start is running for them, `queued` while every instance is taken. */
  private queueInfo(learner: string): Pick<LearnerLabStatus, 'phase' | 'queue'> | null {
    const wait = this.pool.waitStatus(learner);
    if (!wait) return null;
    const starting = this.pool.stats().starting;
    if (wait.place <= starting) return { phase: 'starting' };
    return {
      phase: 'queued',
      queue: {
        place: wait.place - starting,
        waiting: wait.waiting - starting,
        estimateSeconds: wait.estimateMs === null ? null : Math.ceil(wait.estimateMs / 1000),
        problem: wait.lastStartError,
      },
    };
  }

  private onEvent(e: PoolEvent): void {
    switch (e.type) {
      case 'assigned':
        this.reclaimed.delete(e.owner);
        this.warnings.delete(e.owner);
        if (e.fresh === 'first') this.fresh.delete(e.owner);
        else this.fresh.set(e.owner, { instance: e.instance, reason: e.fresh, ...(e.endedBy && { endedBy: e.endedBy }) });
        this.roster?.assignInstance(e.owner, e.instance);
        this.log(`lab: instance ${e.instance} → learner ${e.owner.slice(0, 8)} (${e.source}${e.waitedMs > 50 ? `, waited ${(e.waitedMs / 1000).toFixed(1)} s` : ''})`);
        return;
      case 'warn':
        this.warnings.set(e.owner, { reason: e.reason, reclaimAt: e.reclaimAt });
        return;
      case 'warning-cleared':
        this.warnings.delete(e.owner);
        return;
      case 'reclaimed':
        this.warnings.delete(e.owner);
        this.fresh.delete(e.owner);
        this.reclaimed.set(e.owner, { reason: e.reason, at: Date.now() });
        this.roster?.releaseInstance(e.owner, e.reason);
        // Before the instance stops (the pool stops it after this event): the terminals say why they end.
        this.endTerminals?.(e.owner, 'PB_LAB_RECLAIMED', endedWords(e.reason, this.pool.tunables.idleMs / 1000));
        this.log(`lab: instance ${e.instance} of learner ${e.owner.slice(0, 8)} reclaimed (${e.reason})`);
        return;
      case 'reset':
        this.warnings.delete(e.owner);
        this.fresh.delete(e.owner);
        this.roster?.releaseInstance(e.owner, 'reset');
        this.endTerminals?.(e.owner, 'PB_LAB_RESET');
        this.log(`lab: instance ${e.instance} of learner ${e.owner.slice(0, 8)} reset`);
        return;
      case 'paused':
        this.log(`lab: instance ${e.instance} of learner ${e.owner.slice(0, 8)} paused (unused for ${this.pool.tunables.pauseIdleMs / 1000} s)`);
        return;
      case 'resumed':
        this.log(`lab: instance ${e.instance} of learner ${e.owner.slice(0, 8)} resumed after ${(e.pausedMs / 1000).toFixed(0)} s paused`);
        return;
      case 'health':
        if (e.state === 'degraded') this.log(`lab: instance ${e.instance} degraded`);
        return;
      case 'start-failed':
        this.log(`lab: an instance failed to start (${e.message}); retrying in ${(e.retryInMs / 1000).toFixed(0)} s`);
        return;
      case 'stop-failed':
        this.log(`lab: instance ${e.instance} did not stop cleanly: ${e.message}`);
        return;
      default:
        return;
    }
  }
}

/** "you are number 2 in the queue (about 40 s)". */
export function queueWords(q: NonNullable<LearnerLabStatus['queue']>): string {
  const when = q.problem ? `instances are failing to start: ${q.problem}` : q.estimateSeconds === null ? 'no estimate yet' : `about ${q.estimateSeconds} s`;
  return `every lab instance is taken; you are number ${q.place} in the queue (${when})`;
}

/**
 * Instances of one lab for many owners (the server's learners; to this layer opaque string keys).
 *
 * - `acquire(owner)` gives the owner's instance if it has one; else a ready one from the warm pool; else
 *   a started one (cold). At `maxInstances` the owner waits in a FIFO queue; `waitStatus(owner)` gives
 *   its place and an estimate; `release(owner)` or the acquire's AbortSignal cancels the wait.
 * - The warm pool is refilled in the background, one start at a time and only while nobody waits (a
 *   waiter's start comes first; on 2 cores parallel starts only slow each other). A failed start is
 *   reported and retried with exponential backoff.
 * - `use(owner)` records use (a terminal attached, a graph or query, a check) and thaws a paused
 *   instance before resolving: an assigned instance with no use for `pauseIdleMs` and no terminal of its
 *   owner attached (`setInUse`) is paused like a warm spare (instanceFreezer.ts). Pausing does not move
 *   the reclaim deadlines: those follow activity, whatever the pauses.
 * - `touch(owner)` records activity (and use). `warnMs` before an idle or lifetime reclaim a `warn` event is sent;
 *   at the deadline the instance is stopped and the owner remembered, so its next acquire gets a fresh
 *   instance and says why (`fresh`). `reset(owner)` replaces the owner's instance at the head of the
 *   queue. `close()` stops everything and waits for teardown.
 *
 * Capacity counts every instance that holds resources: warm, starting, assigned and still stopping.
 */
import type { LabState } from '../protocol/health.ts';
import { startLab } from './startLab.ts';
import { resolvePoolTunables, type PoolTunables, type ResolvedTunables } from './poolTunables.ts';
import type { LabInstance, StartLabOptions, StartLabResult } from './types.ts';
import { readRecord } from './instanceState.ts';
import { freezeInstance, freezerAvailable, thawInstance } from './instanceFreezer.ts';

/** Why an owner's next instance is a new one: its first, or the one before was reclaimed or reset. */
export type Fresh = 'first' | 'after-reclaim' | 'after-reset';
/** Why an owner's instance was taken away: idle too long, past its lifetime, or ended (`release`). */
export type EndReason = 'idle' | 'lifetime' | 'ended';

export type AcquireResult =
  | {
      ok: true;
      instance: LabInstance;
      /** null: the owner's instance, as before. Otherwise a new instance, and why. */
      fresh: Fresh | null;
      /** With `fresh: 'after-reclaim'`: what ended the previous instance. */
      endedBy?: EndReason;
      /** existing: the owner had it; warm: ready in the pool at once; started: waited for a start (and the queue). */
      source: 'existing' | 'warm' | 'started';
      waitedMs: number;
    }
  | { ok: false; reason: 'cancelled' | 'closed'; message: string };

export interface WaitStatus {
  /** 1 = next to be served. */
  place: number;
  waiting: number;
  /**
   * Earliest the owner can expect an instance, from measured start and stop times and the reclaim
   * deadlines of the instances ahead (which activity postpones). Null while starts fail (`lastStartError`).
   */
  estimateMs: number | null;
  lastStartError: string | null;
}

export type PoolEvent =
  | { type: 'assigned'; owner: string; instance: string; fresh: Fresh; endedBy?: EndReason; source: 'warm' | 'started'; waitedMs: number }
  | { type: 'warn'; owner: string; instance: string; reason: 'idle' | 'lifetime'; reclaimAt: number }
  /** `touch()` after an idle warning: the owner stays; the page hides the warning. */
  | { type: 'warning-cleared'; owner: string; instance: string }
  | { type: 'reclaimed'; owner: string; instance: string; reason: EndReason }
  | { type: 'reset'; owner: string; instance: string }
  | { type: 'queue'; waiting: { owner: string; place: number }[] }
  /** An instance's lab state changed (ready, degraded, …); owner null for a warm one. */
  | { type: 'health'; owner: string | null; instance: string; state: LabState }
  /** An assigned instance nobody used for `pauseIdleMs` was frozen, or thawed for its owner's next use. */
  | { type: 'paused'; owner: string; instance: string }
  | { type: 'resumed'; owner: string; instance: string; pausedMs: number }
  | { type: 'started'; instance: string; ms: number; purpose: 'warm' | 'waiter' }
  | { type: 'start-failed'; message: string; failures: number; retryInMs: number }
  | { type: 'stopped'; instance: string; ms: number }
  | { type: 'stop-failed'; instance: string; message: string };

export interface RosterEntry {
  owner: string;
  state: 'waiting' | 'active' | 'warned';
  /** Waiting: place in the queue. */
  place?: number;
  instance?: string;
  subnet?: string;
  health?: LabState;
  /** Epoch ms: when the instance's start began, when the owner got it, the owner's last activity. */
  startedAt?: number;
  assignedAt?: number;
  lastActivity?: number;
  /** Warned: why, and when the reclaim comes unless the owner stays (idle) or it is past its lifetime. */
  warnedFor?: 'idle' | 'lifetime';
  reclaimAt?: number;
  /** Active or warned: paused (frozen) since no one used it for `pauseIdleMs`; the next use thaws it. */
  paused?: boolean;
}

export interface PoolStats {
  maxInstances: number;
  warmTarget: number;
  warm: number;
  starting: number;
  assigned: number;
  /** Assigned instances paused for want of use. */
  paused: number;
  stopping: number;
  waiting: number;
  /** Median of the recent measured starts (to every process ready) and stops, null before the first. */
  startMs: number | null;
  stopMs: number | null;
  lastStartError: string | null;
}

export interface LabPoolOptions {
  /** Passed to `startLab()` for every instance (lab, prefix, runtimeDir, projectDir). */
  lab: Omit<StartLabOptions, 'onProgress' | 'instanceId' | 'waitReady'>;
  tunables?: Partial<PoolTunables>;
  /**
   * Pause warm instances once ready (instanceFreezer.ts) and thaw them when handed out: a spare nobody
   * uses then costs no CPU (about 3 % of this 2-core machine each otherwise). Default: when the freezer is there.
   */
  pauseWarm?: boolean;
  /**
   * Pause assigned instances nobody uses for `pauseIdleMs` (0 there turns it off too). Default: when the
   * freezer is there.
   */
  pauseIdle?: boolean;
}

/** What an estimate assumes before anything was measured: a `connections` cold start and stop here. */
const PRIOR_START_MS = 1_000;
const PRIOR_STOP_MS = 300;
/** Measurements kept for the medians. */
const SAMPLES = 15;
/** Owners remembered as reclaimed (for `fresh`): a bound, since owners are sessions that come and go. */
const REMEMBERED_OWNERS = 10_000;
/** setTimeout's maximum delay; longer deadlines are re-evaluated when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Slot {
  instance: LabInstance;
  startedAt: number;
  owner: string | null;
  assignedAt: number;
  lastActivity: number;
  warned: 'idle' | 'lifetime' | null;
  timer: NodeJS.Timeout | null;
  health: LabState;
  /** Epoch ms of the owner's last use (or of the last time a terminal of theirs was seen attached). */
  lastUse: number;
  pauseTimer: NodeJS.Timeout | null;
  /** Epoch ms it was paused at, null while it runs. */
  pausedAt: number | null;
  /** Epoch ms it was last thawed for a use (0: never paused). */
  resumedAt: number;
  /** A freeze in progress (a use waits for it, then thaws). */
  freezing: Promise<unknown> | null;
}

interface Waiter {
  owner: string;
  enqueuedAt: number;
  fresh: Fresh;
  endedBy?: EndReason;
  /** Set when it found nothing ready and had to wait for a start. */
  waitedForStart: boolean;
  promise: Promise<AcquireResult>;
  resolve: (r: AcquireResult) => void;
  detach: () => void;
}

/** Passes of a spare's freeze, and the pause between them (see start()). */
const FREEZE_PASSES = 3;
const FREEZE_PASS_MS = 250;
/** While its owner has a terminal attached, an instance's pause is looked at again after this share of `pauseIdleMs`. */
const IN_USE_RECHECK = 0.25;

export class LabPool {
  readonly tunables: ResolvedTunables;
  private readonly labOptions: LabPoolOptions['lab'];
  private readonly listeners = new Set<(e: PoolEvent) => void>();
  private readonly assigned = new Map<string, Slot>();
  private readonly warm: Slot[] = [];
  private readonly queue: Waiter[] = [];
  /** Owners whose last instance was taken away, and why; `after-reset` for a reset in progress. */
  private readonly ended = new Map<string, EndReason | 'reset'>();
  private starting: { startedAt: number }[] = [];
  private stopping: { startedAt: number }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly startSamples: number[] = [];
  private readonly stopSamples: number[] = [];
  private failures = 0;
  private lastStartError: string | null = null;
  private backoffUntil = 0;
  private backoffTimer: NodeJS.Timeout | null = null;
  private closed: Promise<void> | null = null;
  private readonly pauseWarm: boolean;
  private readonly pauseIdle: boolean;
  private inUse: (owner: string) => boolean = () => false;

  constructor(options: LabPoolOptions) {
    this.labOptions = options.lab;
    this.pauseWarm = options.pauseWarm ?? freezerAvailable();
    this.pauseIdle = options.pauseIdle ?? freezerAvailable();
    this.tunables = resolvePoolTunables(options.tunables);
    this.pump();
  }

  /** Subscribes to the pool's events; returns the unsubscribe function. A throwing listener is ignored. */
  subscribe(listener: (e: PoolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  acquire(owner: string, options: { signal?: AbortSignal } = {}): Promise<AcquireResult> {
    return this.acquireFor(owner, options.signal, false);
  }

  /**
   * How the pool learns whether an owner has a terminal attached (the gateway's sockets): such an
   * instance is in use and never paused. Default: never.
   */
  setInUse(inUse: (owner: string) => boolean): void {
    this.inUse = inUse;
  }

  /**
   * Records use of the owner's instance (postpones its pause, not its idle reclaim) and, if it is paused,
   * thaws it before resolving, so the request that uses it finds it running. False when it holds none.
   */
  async use(owner: string): Promise<boolean> {
    const slot = this.assigned.get(owner);
    if (!slot) return false;
    slot.lastUse = Date.now();
    if (slot.freezing) await slot.freezing;
    if (slot.pausedAt !== null) {
      const pausedMs = Date.now() - slot.pausedAt;
      slot.pausedAt = null;
      slot.resumedAt = Date.now();
      this.thaw(slot.instance);
      if (slot.owner !== null) this.emit({ type: 'resumed', owner: slot.owner, instance: slot.instance.id, pausedMs });
    }
    this.schedulePause(slot);
    return this.assigned.get(owner) === slot;
  }

  /** Records activity of the owner (postpones the idle reclaim; use too); false when it holds no instance. */
  touch(owner: string): boolean {
    const slot = this.assigned.get(owner);
    if (!slot) return false;
    slot.lastActivity = Date.now();
    slot.lastUse = slot.lastActivity;
    if (slot.pausedAt !== null || slot.freezing) void this.use(owner);
    if (slot.warned === 'idle') {
      slot.warned = null;
      this.emit({ type: 'warning-cleared', owner, instance: slot.instance.id });
      this.schedule(slot);
    }
    // Otherwise the pending timer re-reads lastActivity when it fires: a touch per keystroke costs nothing.
    return true;
  }

  /** When the owner's instance was last thawed after a pause (epoch ms; 0 if never, null without an instance). */
  resumedAt(owner: string): number | null {
    return this.assigned.get(owner)?.resumedAt ?? null;
  }

  /** The owner's instance, if it holds one (without touching it). */
  instanceOf(owner: string): LabInstance | null {
    return this.assigned.get(owner)?.instance ?? null;
  }

  waitStatus(owner: string): WaitStatus | null {
    const index = this.queue.findIndex((w) => w.owner === owner);
    if (index < 0) return null;
    return { place: index + 1, waiting: this.queue.length, estimateMs: this.estimate(index + 1), lastStartError: this.lastStartError };
  }

  /**
   * Stops and replaces the owner's instance; the new one says `fresh: 'after-reset'`. The owner goes to
   * the head of the queue, so a full pool serves it as soon as its old instance is torn down.
   */
  reset(owner: string): Promise<AcquireResult> {
    const pending = this.queue.find((w) => w.owner === owner);
    if (pending) return pending.promise;
    const slot = this.assigned.get(owner);
    if (!slot) return this.acquire(owner);
    this.unassign(slot);
    this.remember(owner, 'reset');
    this.emit({ type: 'reset', owner, instance: slot.instance.id });
    this.stopSlot(slot);
    return this.acquireFor(owner, undefined, true);
  }

  /**
   * Ends the owner's instance (the instructor's "end", a learner who leaves) or cancels its wait. Its next
   * acquire gets a fresh instance that says `after-reclaim` / `ended`. Resolves once torn down.
   */
  release(owner: string): Promise<void> {
    const waiter = this.queue.find((w) => w.owner === owner);
    if (waiter) {
      this.dropWaiter(waiter, { ok: false, reason: 'cancelled', message: 'the wait was cancelled' });
      return Promise.resolve();
    }
    const slot = this.assigned.get(owner);
    if (!slot) return Promise.resolve();
    return this.reclaim(slot, 'ended');
  }

  /** The instructor's roster: owners with an instance, then owners waiting, in queue order. */
  list(): RosterEntry[] {
    const active: RosterEntry[] = [...this.assigned.entries()].map(([owner, s]) => ({
      owner,
      state: s.warned ? 'warned' : 'active',
      instance: s.instance.id,
      subnet: s.instance.subnet,
      health: s.health,
      startedAt: s.startedAt,
      assignedAt: s.assignedAt,
      lastActivity: s.lastActivity,
      ...(s.warned && { warnedFor: s.warned, reclaimAt: this.deadlines(s)[s.warned] }),
      ...(s.pausedAt !== null && { paused: true }),
    }));
    const waiting: RosterEntry[] = this.queue.map((w, i) => ({ owner: w.owner, state: 'waiting', place: i + 1 }));
    return [...active, ...waiting];
  }

  stats(): PoolStats {
    return {
      maxInstances: this.tunables.maxInstances,
      warmTarget: this.tunables.warm,
      warm: this.warm.length,
      starting: this.starting.length,
      assigned: this.assigned.size,
      paused: [...this.assigned.values()].filter((s) => s.pausedAt !== null).length,
      stopping: this.stopping.length,
      waiting: this.queue.length,
      startMs: median(this.startSamples),
      stopMs: median(this.stopSamples),
      lastStartError: this.lastStartError,
    };
  }

  /** Refuses new acquires, cancels waits, and stops every instance (starting ones once started). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.backoffTimer) clearTimeout(this.backoffTimer);
      for (const w of [...this.queue]) this.dropWaiter(w, { ok: false, reason: 'closed', message: 'the lab pool is closing' });
      for (const slot of [...this.assigned.values()]) this.reclaim(slot, 'ended', { silent: true });
      for (const slot of this.warm.splice(0)) this.stopSlot(slot);
      // Starts in flight stop their instance when they finish (they see `closed`); wait for all of it.
      while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    })();
    return this.closed;
  }

  private acquireFor(owner: string, signal: AbortSignal | undefined, front: boolean): Promise<AcquireResult> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'closed', message: 'the lab pool is closing' });
    const slot = this.assigned.get(owner);
    if (slot) {
      this.touch(owner);
      return Promise.resolve({ ok: true, instance: slot.instance, fresh: null, source: 'existing', waitedMs: 0 });
    }
    const pending = this.queue.find((w) => w.owner === owner);
    if (pending) return pending.promise;
    if (signal?.aborted) return Promise.resolve({ ok: false, reason: 'cancelled', message: 'the wait was cancelled' });

    const ended = this.ended.get(owner);
    let resolve!: (r: AcquireResult) => void;
    const promise = new Promise<AcquireResult>((r) => (resolve = r));
    const waiter: Waiter = {
      owner,
      enqueuedAt: Date.now(),
      fresh: ended === undefined ? 'first' : ended === 'reset' ? 'after-reset' : 'after-reclaim',
      ...(ended !== undefined && ended !== 'reset' && { endedBy: ended }),
      waitedForStart: this.warm.length === 0,
      promise,
      resolve,
      detach: () => {},
    };
    if (signal) {
      const onAbort = () => this.dropWaiter(waiter, { ok: false, reason: 'cancelled', message: 'the wait was cancelled' });
      signal.addEventListener('abort', onAbort, { once: true });
      waiter.detach = () => signal.removeEventListener('abort', onAbort);
    }
    if (front) this.queue.unshift(waiter);
    else this.queue.push(waiter);
    this.pump();
    if (this.queue.includes(waiter)) this.emitQueue();
    return promise;
  }

  private dropWaiter(waiter: Waiter, result: AcquireResult): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    waiter.detach();
    waiter.resolve(result);
    this.emitQueue();
    // A start begun for this waiter now fills the warm pool or serves the next one; nothing to undo.
  }

  /** Hands out ready instances, then starts what the queue and the warm pool need, within capacity. */
  private pump(): void {
    if (this.closed) return;
    let served = false;
    while (this.queue.length && this.warm.length) {
      this.assign(this.warm.shift()!, this.queue.shift()!);
      served = true;
    }
    if (served) this.emitQueue();
    // Starts begun for waiters who then left end up warm: beyond the target they only cost CPU.
    while (!this.queue.length && this.warm.length > this.tunables.warm) this.stopSlot(this.warm.pop()!);
    const inBackoff = Date.now() < this.backoffUntil;
    if (inBackoff) return this.scheduleBackoffPump();
    // Each waiter beyond the starts already running gets a start of its own.
    while (this.queue.length > this.starting.length && this.total() < this.tunables.maxInstances) this.startOne('waiter');
    if (!this.queue.length && !this.starting.length && this.warm.length < this.tunables.warm && this.total() < this.tunables.maxInstances) {
      this.startOne('warm');
    }
  }

  private total(): number {
    return this.warm.length + this.starting.length + this.assigned.size + this.stopping.length;
  }

  private startOne(purpose: 'warm' | 'waiter'): void {
    const entry = { startedAt: Date.now() };
    this.starting.push(entry);
    const work = (async () => {
      let instance: LabInstance | undefined;
      let slot: Slot | undefined;
      let result: StartLabResult;
      // startLab's first part is synchronous (checking the definition the first time, making the
      // record and cgroup): run it after this turn, so an acquire that started a refill is answered first.
      await new Promise((r) => setImmediate(r));
      try {
        result = await startLab({
          ...this.labOptions,
          waitReady: true,
          onProgress: () => {
            // Progress comes before the instance updates its own state: read it once this turn ends.
            if (instance) setImmediate(() => slot && this.checkHealth(slot));
          },
        });
      } catch (error) {
        result = { ok: false, errors: [], message: (error as Error).message };
      }
      let failure = result.ok ? null : result.message;
      if (result.ok) {
        instance = result.instance;
        const ready = await instance.ready();
        if (!ready.ok) failure = `instance ${instance.id} did not become ready: ${ready.message}`;
      }
      this.starting = this.starting.filter((s) => s !== entry);
      if (failure !== null) {
        if (instance) await this.stopQuietly(instance);
        this.startFailed(failure);
        return;
      }
      const ms = Date.now() - entry.startedAt;
      pushSample(this.startSamples, ms);
      this.failures = 0;
      this.lastStartError = null;
      slot = { instance: instance!, startedAt: entry.startedAt, owner: null, assignedAt: 0, lastActivity: 0, warned: null, timer: null, health: instance!.health().state, lastUse: 0, pauseTimer: null, pausedAt: null, resumedAt: 0, freezing: null };
      this.emit({ type: 'started', instance: instance!.id, ms, purpose });
      if (this.closed) {
        this.stopSlot(slot);
        return;
      }
      this.warm.push(slot);
      this.pump();
      // Still spare after the pump: paused until handed out (assign thaws it before anyone sees it).
      if (this.pauseWarm && this.warm.includes(slot)) {
        const cgroup = readRecord(slot.instance.dir)?.cgroup;
        // A probe-less process is ready as soon as it is spawned, which may be before it has joined the
        // instance's cgroup: later passes freeze such late joiners too (each pass is idempotent).
        for (let pass = 0; cgroup && pass < FREEZE_PASSES && this.warm.includes(slot) && !this.closed; pass++) {
          if (pass > 0) await new Promise((r) => setTimeout(r, FREEZE_PASS_MS));
          if (!this.warm.includes(slot) || this.closed) break;
          await freezeInstance(cgroup);
        }
        // Handed out (or stopped) while the freeze settled: make sure it runs.
        if (cgroup && !this.warm.includes(slot)) thawInstance(cgroup);
      }
    })();
    this.track(work);
  }

  private startFailed(message: string): void {
    this.failures++;
    this.lastStartError = message;
    const retryInMs = Math.min(this.tunables.startBackoffInitialMs * 2 ** (this.failures - 1), this.tunables.startBackoffMaxMs);
    this.backoffUntil = Date.now() + retryInMs;
    this.emit({ type: 'start-failed', message, failures: this.failures, retryInMs });
    this.pump();
  }

  private scheduleBackoffPump(): void {
    if (this.backoffTimer) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.pump();
    }, Math.max(0, this.backoffUntil - Date.now()));
  }

  private assign(slot: Slot, waiter: Waiter): void {
    this.thaw(slot.instance);
    const now = Date.now();
    slot.owner = waiter.owner;
    slot.assignedAt = now;
    slot.lastActivity = now;
    slot.lastUse = now;
    this.assigned.set(waiter.owner, slot);
    this.ended.delete(waiter.owner);
    waiter.detach();
    this.schedule(slot);
    this.schedulePause(slot);
    const source = waiter.waitedForStart ? 'started' : 'warm';
    const waitedMs = now - waiter.enqueuedAt;
    this.emit({ type: 'assigned', owner: waiter.owner, instance: slot.instance.id, fresh: waiter.fresh, ...(waiter.endedBy && { endedBy: waiter.endedBy }), source, waitedMs });
    waiter.resolve({ ok: true, instance: slot.instance, fresh: waiter.fresh, ...(waiter.endedBy && { endedBy: waiter.endedBy }), source, waitedMs });
  }

  private deadlines(slot: Slot): { idleWarn: number; idle: number; lifetimeWarn: number; lifetime: number } {
    const { idleMs, warnMs, maxLifetimeMs } = this.tunables;
    const idle = slot.lastActivity + idleMs;
    const lifetime = slot.assignedAt + maxLifetimeMs;
    return { idleWarn: idle - warnMs, idle, lifetimeWarn: lifetime - warnMs, lifetime };
  }

  /** Reclaims, warns, and sets the timer for the next deadline of an assigned instance. */
  private schedule(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.owner === null) return;
    const now = Date.now();
    const d = this.deadlines(slot);
    if (now >= d.lifetime) return void this.reclaim(slot, 'lifetime');
    if (now >= d.idle) return void this.reclaim(slot, 'idle');
    if (now >= d.lifetimeWarn && slot.warned !== 'lifetime') {
      slot.warned = 'lifetime';
      this.emit({ type: 'warn', owner: slot.owner, instance: slot.instance.id, reason: 'lifetime', reclaimAt: d.lifetime });
    } else if (now >= d.idleWarn && slot.warned === null && d.idle < d.lifetime) {
      slot.warned = 'idle';
      this.emit({ type: 'warn', owner: slot.owner, instance: slot.instance.id, reason: 'idle', reclaimAt: d.idle });
    }
    const next = [slot.warned === null ? d.idleWarn : Infinity, d.idle, slot.warned !== 'lifetime' ? d.lifetimeWarn : Infinity, d.lifetime].filter((t) => t > now);
    const delay = Math.min(Math.min(...next) - now, MAX_TIMER_MS);
    slot.timer = setTimeout(() => this.schedule(slot), delay);
  }

  /** Sets the timer that pauses an assigned instance nobody uses (see use()). */
  private schedulePause(slot: Slot): void {
    if (slot.pauseTimer) clearTimeout(slot.pauseTimer);
    slot.pauseTimer = null;
    const { pauseIdleMs } = this.tunables;
    if (!this.pauseIdle || pauseIdleMs <= 0 || slot.owner === null || slot.pausedAt !== null || this.closed) return;
    const delay = Math.min(Math.max(0, slot.lastUse + pauseIdleMs - Date.now()), MAX_TIMER_MS);
    slot.pauseTimer = setTimeout(() => void this.maybePause(slot), delay);
  }

  private async maybePause(slot: Slot): Promise<void> {
    slot.pauseTimer = null;
    const owner = slot.owner;
    if (owner === null || this.assigned.get(owner) !== slot || slot.pausedAt !== null || slot.freezing || this.closed) return;
    const now = Date.now();
    if (this.inUse(owner)) {
      // A terminal is attached: in use now. Looked at again soon, so the pause comes between 1 and
      // 1 + IN_USE_RECHECK times pauseIdleMs after the last terminal closed.
      slot.lastUse = now;
      slot.pauseTimer = setTimeout(() => void this.maybePause(slot), this.tunables.pauseIdleMs * IN_USE_RECHECK);
      return;
    }
    if (now < slot.lastUse + this.tunables.pauseIdleMs) return this.schedulePause(slot);
    const cgroup = readRecord(slot.instance.dir)?.cgroup;
    if (!cgroup) return;
    slot.pausedAt = now;
    const freezing = freezeInstance(cgroup);
    slot.freezing = freezing;
    const frozen = await freezing;
    slot.freezing = null;
    if (slot.pausedAt === null || this.assigned.get(owner) !== slot) {
      // Used (or reclaimed) while the freeze settled: it runs again.
      thawInstance(cgroup);
      return;
    }
    if (!frozen) {
      // No freezer after all: it keeps running (nothing to say).
      slot.pausedAt = null;
      thawInstance(cgroup);
      return;
    }
    this.emit({ type: 'paused', owner, instance: slot.instance.id });
  }

  private unassign(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.pauseTimer) clearTimeout(slot.pauseTimer);
    slot.pauseTimer = null;
    slot.pausedAt = null;
    if (slot.owner !== null && this.assigned.get(slot.owner) === slot) this.assigned.delete(slot.owner);
    slot.owner = null;
  }

  private reclaim(slot: Slot, reason: EndReason, options: { silent?: boolean } = {}): Promise<void> {
    const owner = slot.owner!;
    this.unassign(slot);
    this.remember(owner, reason);
    if (!options.silent) this.emit({ type: 'reclaimed', owner, instance: slot.instance.id, reason });
    return this.stopSlot(slot);
  }

  private remember(owner: string, why: EndReason | 'reset'): void {
    this.ended.delete(owner); // re-inserted last, so the bound forgets the oldest owners first
    this.ended.set(owner, why);
    if (this.ended.size > REMEMBERED_OWNERS) this.ended.delete(this.ended.keys().next().value!);
  }

  private stopSlot(slot: Slot): Promise<void> {
    const entry = { startedAt: Date.now() };
    this.stopping.push(entry);
    const work = (async () => {
      // A freeze still settling would freeze what the stop thawed: let it finish first.
      if (slot.freezing) await slot.freezing;
      await this.stopQuietly(slot.instance);
      const ms = Date.now() - entry.startedAt;
      pushSample(this.stopSamples, ms);
      this.stopping = this.stopping.filter((s) => s !== entry);
      this.emit({ type: 'stopped', instance: slot.instance.id, ms });
      this.pump();
    })();
    this.track(work);
    return work;
  }

  /** A paused warm instance runs again (a no-op for one that never was). */
  private thaw(instance: LabInstance): void {
    const cgroup = readRecord(instance.dir)?.cgroup;
    if (cgroup) thawInstance(cgroup);
  }

  private async stopQuietly(instance: LabInstance): Promise<void> {
    // Paused processes would ignore the stop's SIGTERM until killed outright.
    this.thaw(instance);
    try {
      await instance.stop();
    } catch (error) {
      this.emit({ type: 'stop-failed', instance: instance.id, message: (error as Error).message });
    }
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private checkHealth(slot: Slot): void {
    const state = slot.instance.health().state;
    // Stopping is the pool's own doing and already reported (reclaimed, reset, stopped).
    if (state === slot.health || state === 'stopping' || state === 'down') return;
    slot.health = state;
    this.emit({ type: 'health', owner: slot.owner, instance: slot.instance.id, state });
  }

  /**
   * The earliest time the waiter at `place` can expect an instance: the place-th soonest moment an
   * instance comes free for the queue (a start finishing; a stop finishing, then a start; an assigned
   * instance reaching its reclaim deadline, then its stop and a start). Past as many as there are
   * instances, each frees again after an owner's idle time at the soonest.
   */
  private estimate(place: number): number | null {
    if (this.lastStartError !== null) return null;
    const now = Date.now();
    const start = median(this.startSamples) ?? PRIOR_START_MS;
    const stop = median(this.stopSamples) ?? PRIOR_STOP_MS;
    const free: number[] = [
      ...this.starting.map((s) => Math.max(0, s.startedAt + start - now)),
      ...this.stopping.map((s) => Math.max(0, s.startedAt + stop - now) + start),
      ...[...this.assigned.values()].map((s) => {
        const d = this.deadlines(s);
        return Math.max(0, Math.min(d.idle, d.lifetime) - now) + stop + start;
      }),
    ].sort((a, b) => a - b);
    const room = Math.max(0, this.tunables.maxInstances - this.total());
    for (let i = 0; i < room; i++) free.unshift(start); // capacity left but not started yet (backoff just ended)
    if (!free.length) return start;
    const rounds = Math.floor((place - 1) / free.length);
    return Math.round(free[(place - 1) % free.length]! + rounds * (this.tunables.idleMs + stop + start));
  }

  private emitQueue(): void {
    this.emit({ type: 'queue', waiting: this.queue.map((w, i) => ({ owner: w.owner, place: i + 1 })) });
  }

  private emit(event: PoolEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break the pool's bookkeeping.
      }
    }
  }
}

function pushSample(samples: number[], ms: number): void {
  samples.push(ms);
  if (samples.length > SAMPLES) samples.shift();
}

function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The lab pool's tunables, named once, each default with its reason. The README's "A lab per learner"
 * table lists the same values; `resolvePoolTunables()` fills in what the caller left out and refuses
 * combinations that cannot work (a warning longer than the idle time it warns about).
 */
import { defaultCapacity, type CapacityEstimate } from './poolCapacity.ts';

export interface PoolTunables {
  /**
   * An owner's instance is stopped after this long without `touch()` (terminal input, a page view, a
   * check). 30 min: longer than a lesson takes to read, and an idle instance still costs about 4 % of
   * this 2-core machine's CPU, so a learner who left gives their place back within a class period.
   */
  idleMs: number;
  /**
   * The `warn` event comes this long before an idle (or lifetime) reclaim. 2 min: what the issue asks
   * for; enough to notice the banner and press "stay", short enough not to nag.
   */
  warnMs: number;
  /**
   * An instance is replaced this long after it was assigned, active or not. 8 h: a working day, the same
   * as a terminal's `--max-lifetime`, so a long workshop is never cut and a forgotten tab is bounded.
   */
  maxLifetimeMs: number;
  /**
   * Ready, unassigned instances kept started so a learner's first prompt comes at once (≤ 1 s) rather
   * than after a cold start. 1: covers a learner arriving while the previous one's is handed out, and
   * costs one idle instance; set it to a class's arrival burst (e.g. 5) when a class starts together.
   * Never more than `maxInstances`.
   */
  warm: number;
  /**
   * Instances at most, warm, starting, assigned and stopping ones included (a stopping instance still
   * holds its namespaces and memory). Default: `defaultCapacity()` from the machine's memory and cores.
   */
  maxInstances: number;
  /**
   * After a start fails the next waits this long, doubling per failure up to `startBackoffMaxMs`, so a
   * broken lab is retried without looping hot. 1 s: a transient failure (a port still in TIME_WAIT, a
   * subnet just released) is retried about as soon as a cold start would have finished.
   */
  startBackoffInitialMs: number;
  /** 60 s: a lab that keeps failing costs one start a minute, and a fixed lab is picked up within one. */
  startBackoffMaxMs: number;
  /**
   * An assigned instance is paused (frozen, like a warm spare) after this long with no terminal socket
   * of its owner open and no use of it (a terminal attach or input, a graph or /prometheus/ request, a
   * check); the next use thaws it first. 60 s: a learner who closed the tab or went to another page
   * stops costing CPU (about 3 % of this 2-core machine per instance at rest) within a minute, and one
   * who reads a page with a terminal open is never paused. 0: never pause assigned instances.
   */
  pauseIdleMs: number;
}

export const POOL_DEFAULTS: Omit<PoolTunables, 'maxInstances'> = {
  idleMs: 30 * 60_000,
  warnMs: 2 * 60_000,
  maxLifetimeMs: 8 * 3_600_000,
  warm: 1,
  startBackoffInitialMs: 1_000,
  startBackoffMaxMs: 60_000,
  pauseIdleMs: 60_000,
};

export interface ResolvedTunables extends PoolTunables {
  /** How `maxInstances` was chosen when it was not given (null when it was). */
  capacity: CapacityEstimate | null;
}

/** Fills in defaults and checks the combination; throws a RangeError naming the tunable otherwise. */
export function resolvePoolTunables(given: Partial<PoolTunables> = {}): ResolvedTunables {
  const capacity = given.maxInstances === undefined ? defaultCapacity() : null;
  const t: PoolTunables = { ...POOL_DEFAULTS, maxInstances: capacity?.maxInstances ?? 0, ...withoutUndefined(given) };
  for (const [name, value] of Object.entries(t) as [keyof PoolTunables, number][]) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`lab pool: ${name} must be a finite number ≥ 0, got ${value}`);
  }
  if (!Number.isInteger(t.maxInstances) || t.maxInstances < 1) throw new RangeError(`lab pool: maxInstances must be a whole number ≥ 1, got ${t.maxInstances}`);
  if (!Number.isInteger(t.warm)) throw new RangeError(`lab pool: warm must be a whole number, got ${t.warm}`);
  if (t.warnMs >= t.idleMs) throw new RangeError(`lab pool: warnMs (${t.warnMs}) must be shorter than idleMs (${t.idleMs})`);
  if (t.warnMs >= t.maxLifetimeMs) throw new RangeError(`lab pool: warnMs (${t.warnMs}) must be shorter than maxLifetimeMs (${t.maxLifetimeMs})`);
  if (t.startBackoffInitialMs <= 0 || t.startBackoffMaxMs < t.startBackoffInitialMs) {
    throw new RangeError(`lab pool: start backoff must be > 0 and its maximum at least its initial delay, got ${t.startBackoffInitialMs} and ${t.startBackoffMaxMs}`);
  }
  // Warm instances count against capacity: more could never all exist.
  return { ...t, warm: Math.min(t.warm, t.maxInstances), capacity };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import { describe, expect, it } from 'vitest';
import { defaultCapacity, INSTANCE_COST, MEMORY_RESERVE_MIB } from './poolCapacity.ts';
import { POOL_DEFAULTS, resolvePoolTunables } from './poolTunables.ts';

describe('the default capacity', () => {
  it('is CPU-bound on a 2-core, 24 GiB machine: 12 instances, as measured', () => {
    expect(defaultCapacity({ memAvailableMiB: 23_000, cores: 2 })).toEqual({ maxInstances: 12, byMemory: 109, byCpu: 12, memAvailableMiB: 23_000, cores: 2 });
  });

  it('is memory-bound on a small machine, and never below one', () => {
    expect(defaultCapacity({ memAvailableMiB: MEMORY_RESERVE_MIB + 3 * INSTANCE_COST.memoryMiB, cores: 16 }).maxInstances).toBe(3);
    expect(defaultCapacity({ memAvailableMiB: 512, cores: 1 }).maxInstances).toBe(1);
  });
});

describe('pool tunables', () => {
  it('fill in the defaults and the machine-derived capacity', () => {
    const t = resolvePoolTunables();
    expect(t).toMatchObject(POOL_DEFAULTS);
    expect(t.capacity).not.toBeNull();
    expect(t.maxInstances).toBe(t.capacity!.maxInstances);
  });

  it('keep the warm pool within capacity', () => {
    expect(resolvePoolTunables({ maxInstances: 2, warm: 5 })).toMatchObject({ maxInstances: 2, warm: 2, capacity: null });
  });

  it('refuse a warning no shorter than what it warns about, and nonsense numbers', () => {
    expect(() => resolvePoolTunables({ idleMs: 60_000, warnMs: 60_000 })).toThrow(/warnMs \(60000\) must be shorter than idleMs/);
    expect(() => resolvePoolTunables({ maxLifetimeMs: 1_000, warnMs: 2_000, idleMs: 5_000 })).toThrow(/shorter than maxLifetimeMs/);
    expect(() => resolvePoolTunables({ maxInstances: 0 })).toThrow(/maxInstances must be a whole number ≥ 1/);
    expect(() => resolvePoolTunables({ warm: -1 })).toThrow(/warm must be a finite number ≥ 0/);
    expect(() => resolvePoolTunables({ startBackoffInitialMs: 0 })).toThrow(/start backoff/);
  });
});

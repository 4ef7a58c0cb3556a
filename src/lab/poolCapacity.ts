/**
 * How many lab instances one machine holds, by default: the smaller of what its available memory and
 * its CPU allow, from the measured cost of one idle `connections` instance (`bench/labPool.ts --cost`
 * measures it: the drop in MemAvailable per instance, and CPU ticks of the processes in its namespaces
 * at rest).
 *
 *   maxInstances = max(1, min(⌊(MemAvailable − reserve) / memory per instance⌋,
 *                             ⌊cores × CPU budget at rest / CPU per instance⌋))
 *
 * On this 2-core, 24 GiB machine: memory allows ⌊(23 GiB − 1 GiB) / 200 MiB⌋ ≈ 110, CPU allows
 * ⌊2 × 0.5 / 0.08⌋ = 12, so 12: CPU at rest is the limit, as the 12-instance run found (the
 * machine about half busy with nobody typing). The bench measured 175 MiB and 0.086 cores (4.3 %) per
 * instance with 3 instances over 10 s, on a machine other work shared; the constants keep the rounder,
 * slightly more generous-on-memory figures.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

export const INSTANCE_COST = {
  /**
   * By MemAvailable, what a started instance takes from the machine (RSS counts shared pages once per
   * process and says about 640 MiB). Measured: about 200 MiB for `connections`.
   */
  memoryMiB: 200,
  /** Cores one idle instance keeps busy (background traffic, sidecars, exporters, Prometheus' scrapes): about 4 % of 2 cores. */
  cpuCores: 0.08,
} as const;

/** Memory kept for the gateway, its terminals' screen copies and the operating system. */
export const MEMORY_RESERVE_MIB = 1024;

/**
 * Share of the machine's CPU that instances may use at rest. Half: the other half is for what learners
 * do (typing, load tests of lesson 3, checks) and for the gateway; past it, echo and checks slow down.
 */
export const CPU_BUDGET_AT_REST = 0.5;

export interface CapacityEstimate {
  maxInstances: number;
  byMemory: number;
  byCpu: number;
  memAvailableMiB: number;
  cores: number;
}

/** The machine's figures (MemAvailable from /proc/meminfo, cores the process may use) unless given. */
export function defaultCapacity(machine: { memAvailableMiB?: number; cores?: number } = {}): CapacityEstimate {
  const memAvailableMiB = machine.memAvailableMiB ?? readMemAvailableMiB();
  const cores = machine.cores ?? availableParallelism();
  const byMemory = Math.floor((memAvailableMiB - MEMORY_RESERVE_MIB) / INSTANCE_COST.memoryMiB);
  // The epsilon keeps a quotient that is whole on paper (1 / 0.08 × 0.08…) from flooring one below.
  const byCpu = Math.floor((cores * CPU_BUDGET_AT_REST) / INSTANCE_COST.cpuCores + 1e-9);
  return { maxInstances: Math.max(1, Math.min(byMemory, byCpu)), byMemory, byCpu, memAvailableMiB, cores };
}

function readMemAvailableMiB(): number {
  try {
    const kib = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    if (kib) return Number(kib) / 1024;
  } catch {
    // Not Linux: the netns driver could not run anyway; fall through to one instance's worth.
  }
  return MEMORY_RESERVE_MIB + INSTANCE_COST.memoryMiB;
}

/**
 * The lab pool's figures on a real lab (the course's `connections` by default). Prints; asserts nothing.
 *
 * - cost of one idle instance (what `src/lab/poolCapacity.ts` derives capacity from): the drop in the
 *   machine's MemAvailable per started instance, and the CPU its processes use at rest (ticks in
 *   /proc/PID/stat of every process in its namespaces over a window), as a share of the machine;
 * - cold acquire (no warm instance: start to every process ready) and warm acquire (a ready one handed
 *   out), each followed by a first command in a host (`exec`), the nearest a lab-layer bench gets to a prompt;
 * - reclaim: release to everything torn down.
 *
 *   node --import tsx bench/labPool.ts [--lab connections] [--runs 3] [--instances 3] [--window 10]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { LabPool, type PoolEvent } from '../src/lab/LabPool.ts';
import { readRecord } from '../src/lab/instanceState.ts';
import { netnsStateOf } from '../src/lab/netnsDriver.ts';
import { pidsInNamespaces } from '../src/lab/namespaceProcesses.ts';
import type { LabInstance } from '../src/lab/types.ts';

const { values } = parseArgs({
  options: {
    lab: { type: 'string', default: 'connections' },
    runs: { type: 'string', default: '3' },
    instances: { type: 'string', default: '3' },
    window: { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const instances = Number(values.instances);
const windowSeconds = Number(values.window);
/** Benchmarks use their own prefix so their instances are never mistaken for a learner's. */
const PREFIX = 'pbcp';
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const HOUR = 3_600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const memAvailableMiB = () => Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;

function cpuTicks(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      // Exited meanwhile (a curl of the background traffic).
    }
  }
  return sum;
}

function pidsOf(lab: LabInstance): number[] {
  return pidsInNamespaces(new Set(netnsStateOf(readRecord(lab.dir))?.network.netnsInodes ?? []));
}

function pool(tunables: { warm: number; maxInstances: number }): { pool: LabPool; next: (pred: (e: PoolEvent) => boolean) => Promise<PoolEvent> } {
  const p = new LabPool({ lab: { lab: values.lab!, prefix: PREFIX }, tunables: { idleMs: HOUR, maxLifetimeMs: HOUR, ...tunables } });
  return {
    pool: p,
    next: (pred) =>
      new Promise((resolve) => {
        const off = p.subscribe((e) => {
          if (pred(e)) {
            off();
            resolve(e);
          }
        });
      }),
  };
}

const firstHost = (lab: LabInstance) => lab.hosts[0]!.name;
const ms = (t0: number) => performance.now() - t0;

// 1. Cost of idle instances.
{
  const { pool: p } = pool({ warm: 0, maxInstances: instances });
  await sleep(2_000);
  const before = memAvailableMiB();
  const labs: LabInstance[] = [];
  for (let i = 0; i < instances; i++) {
    const r = await p.acquire(`cost-${i}`);
    if (!r.ok) throw new Error(r.message);
    labs.push(r.instance);
  }
  await sleep(5_000); // let Prometheus' first scrapes and the services' warm-up pass
  const after = memAvailableMiB();
  const pids = labs.flatMap(pidsOf);
  const t0 = cpuTicks(pids);
  await sleep(windowSeconds * 1000);
  const cores = ((cpuTicks(labs.flatMap(pidsOf)) - t0) / TICKS_PER_SECOND / windowSeconds) / instances;
  console.log(`idle instance of ${values.lab} (${instances} started, ${pids.length} processes):`);
  console.log(`  memory by MemAvailable   ${((before - after) / instances).toFixed(0)} MiB per instance`);
  console.log(`  CPU at rest              ${cores.toFixed(3)} cores per instance = ${((cores / availableParallelism()) * 100).toFixed(1)} % of this ${availableParallelism()}-core machine`);
  await p.close();
}

// 2. Cold and warm acquire, reclaim.
const cold: number[] = [];
const coldCommand: number[] = [];
const warm: number[] = [];
const warmCommand: number[] = [];
const reclaim: number[] = [];
for (let i = 0; i < runs; i++) {
  {
    const { pool: p, next } = pool({ warm: 0, maxInstances: 2 });
    const t0 = performance.now();
    const r = await p.acquire('cold');
    if (!r.ok) throw new Error(r.message);
    cold.push(ms(t0));
    await r.instance.exec(firstHost(r.instance), ['true']);
    coldCommand.push(ms(t0));
    const stopped = next((e) => e.type === 'stopped');
    const t1 = performance.now();
    await p.release('cold');
    await stopped;
    reclaim.push(ms(t1));
    await p.close();
  }
  {
    const { pool: p, next } = pool({ warm: 1, maxInstances: 2 });
    await next((e) => e.type === 'started');
    const t0 = performance.now();
    const r = await p.acquire('warm');
    if (!r.ok || r.source !== 'warm') throw new Error('expected a warm instance');
    warm.push(ms(t0));
    await r.instance.exec(firstHost(r.instance), ['true']);
    warmCommand.push(ms(t0));
    await p.close();
  }
  console.log(`run ${i + 1}: cold ${cold.at(-1)!.toFixed(0)} ms, warm ${warm.at(-1)!.toFixed(1)} ms, reclaim ${reclaim.at(-1)!.toFixed(0)} ms`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, xs: number[]) => console.log(`${name.padEnd(44)} median ${median(xs).toFixed(1).padStart(8)} ms   min ${Math.min(...xs).toFixed(1)}   max ${Math.max(...xs).toFixed(1)}`);
console.log(`\nlab ${values.lab}, ${runs} runs`);
row('cold acquire (start, every process ready)', cold);
row('cold acquire + first command in a host', coldCommand);
row('warm acquire', warm);
row('warm acquire + first command in a host', warmCommand);
row('reclaim (release to torn down)', reclaim);

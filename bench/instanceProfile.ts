/**
 * `npm run bench:instance`: where one lab instance's CPU and memory go, process by process. Starts an
 * instance (startLab, its own prefix), lets it settle, then measures each of its processes' CPU
 * (/proc/PID/stat ticks, all threads) over a window at rest and over a window while a learner's lesson
 * commands run in the `tools` host (one every 2 s, as exec), and its PSS and RSS. Prints a table per
 * process (host/name from the lab record, else the command line) and the instance's totals as a share
 * of the machine. Asserts nothing.
 *
 *   node --import tsx bench/instanceProfile.ts [--lab connections] [--window 60] [--settle 10] [--keep]
 *
 * Extra environment for the lab's programs (heap flags and the like) goes through the usual
 * environment: e.g. `NODE_OPTIONS=--max-semi-space-size=1` is inherited by every node program.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { readRecord } from '../src/lab/instanceState.ts';
import { instanceProcesses } from '../src/lab/instanceCgroup.ts';
import { startLab } from '../src/lab/startLab.ts';
import { busyShare, CLOCK_TICKS, cpuTicksOfPids, machineJiffies, printTable, pssBytes } from './machine.ts';

const { values } = parseArgs({
  options: {
    lab: { type: 'string', default: 'connections' },
    window: { type: 'string', default: '60' },
    settle: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const WINDOW_S = Number(values.window);
const SETTLE_S = Number(values.settle);
const CORES = availableParallelism();
const PREFIX = 'pbpf';
const COMMANDS = [
  'curl -s api:19000/stats?filter=^listener | head -5',
  'curl -s api:19000/stats/prometheus | grep -c downstream_cx_active',
  'labctl show',
  "curl -s ingress:19000/clusters | grep '^api::default_priority' | head -3",
  'curl -s ingress:19000/stats | grep -c circuit_breakers',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A short name: the program and its distinguishing argument (host names come from the command's files). */
function label(pid: number): string {
  const c = cmdline(pid);
  const prog = /programs\/([\w-]+)\.mjs/.exec(c)?.[1];
  if (prog) {
    const host = /\/hosts\/([\w-]+)\//.exec(c)?.[1] ?? /--name (\w+)/.exec(c)?.[1] ?? /https?:\/\/(\w+):/.exec(c)?.[1] ?? '';
    return `${prog}${host ? ` (${host})` : ''}`;
  }
  if (/prometheus/.test(c) && !/bwrap/.test(c)) return 'prometheus';
  return c.slice(0, 60);
}

const r = await startLab({ lab: values.lab!, prefix: PREFIX, waitReady: true });
if (!r.ok) {
  console.error(r.message);
  process.exit(1);
}
const lab = r.instance;
const ready = await lab.ready();
if (!ready.ok) throw new Error(ready.message);
const cgroup = readRecord(lab.dir)?.cgroup;
if (!cgroup) throw new Error('instance has no cgroup');
console.log(`instance ${lab.id} ready; settling ${SETTLE_S} s (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
await sleep(SETTLE_S * 1000);

interface Window {
  ticks: Map<number, number>;
  machine: number;
}
async function measure(during?: () => Promise<void>): Promise<Window> {
  const pids = instanceProcesses(cgroup!);
  const before = new Map(pids.map((p) => [p, cpuTicksOfPids([p])]));
  const m0 = machineJiffies();
  const end = Date.now() + WINDOW_S * 1000;
  let stop = false;
  const work = during ? (async () => { while (!stop) await during(); })() : Promise.resolve();
  await sleep(end - Date.now());
  stop = true;
  await work;
  const ticks = new Map<number, number>();
  // Processes started meanwhile (a command's curl) count from zero; they are short-lived and mostly gone.
  for (const p of new Set([...pids, ...instanceProcesses(cgroup!)])) ticks.set(p, cpuTicksOfPids([p]) - (before.get(p) ?? 0));
  return { ticks, machine: busyShare(m0, machineJiffies()) };
}

const rest = await measure();
let n = 0;
const active = await measure(async () => {
  const cmd = COMMANDS[n++ % COMMANDS.length]!;
  await lab.exec('tools', ['/bin/sh', '-c', cmd], { timeoutMs: 10_000 }).catch(() => undefined);
  await sleep(2000);
});

const pids = instanceProcesses(cgroup);
const share = (ticks: number) => ticks / CLOCK_TICKS / WINDOW_S / CORES;
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const rows = pids
  .map((p) => ({ p, name: label(p), rest: rest.ticks.get(p) ?? 0, active: active.ticks.get(p) ?? 0, pss: pssBytes([p]) / 2 ** 20, rss: rssKiB(p) / 1024 }))
  .sort((a, b) => b.active + b.rest - (a.active + a.rest));
printTable(
  rows.map((x) => [String(x.p), x.name, pct(share(x.rest)), pct(share(x.active)), x.pss.toFixed(1), x.rss.toFixed(1)]),
  ['pid', 'process', 'CPU at rest', 'CPU with commands', 'PSS MiB', 'RSS MiB'],
);
const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(
  `\ninstance total: CPU at rest ${pct(share(sum(rest.ticks)))} of the machine (${CORES} cores), with commands ${pct(share(sum(active.ticks)))}; ` +
    `PSS ${(pssBytes(pids) / 2 ** 20).toFixed(0)} MiB (${pids.length} processes); machine busy ${pct(rest.machine)} / ${pct(active.machine)}; ` +
    `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
if (values.keep) console.log(`kept: ${lab.id} (patchbay down)`);
else await lab.stop();

/**
 * `npm run bench:lab`: cold start of a five-host lab (the course's `connections` lab by default) to
 * all processes ready, then to the first Prometheus scrape of every target; `down`; memory of the runtime
 * and of the lab's processes. Prints figures; asserts nothing.
 *
 *   npm run bench:lab [-- --lab connections --runs 3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pidsInNamespaces } from '../src/lab/namespaceProcesses.ts';
import { readRecord } from '../src/lab/instanceState.ts';
import { netnsStateOf } from '../src/lab/netnsDriver.ts';
import { startLab } from '../src/lab/startLab.ts';

const { values } = parseArgs({ options: { lab: { type: 'string', default: 'connections' }, runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
/** Benchmarks use their own prefix so their instances are never mistaken for a learner's. */
const PREFIX = 'pbcb';
const POLL_MS = 20;

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function targetsScraped(base: string): Promise<{ scraped: number; total: number }> {
  try {
    const res = await fetch(`${base}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: { lastScrape: string; health: string }[] } };
    const targets = body.data.activeTargets;
    return { scraped: targets.filter((t) => t.health !== 'unknown').length, total: targets.length };
  } catch {
    return { scraped: 0, total: 0 };
  }
}

interface Run {
  network: number;
  ready: number;
  firstScrape: number;
  allScraped: number;
  down: number;
  runtimeRssMiB: number;
  heapMiB: number;
  labRssMiB: number;
  processes: number;
}

const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  let network = 0;
  const r = await startLab({ lab: values.lab!, prefix: PREFIX, onProgress: (e) => void (e.kind === 'network' && (network = performance.now() - t0)) });
  if (!r.ok) {
    console.error(r.message, r.errors);
    process.exit(1);
  }
  const lab = r.instance;
  const ready = performance.now() - t0;
  let firstScrape = 0;
  let allScraped = 0;
  if (lab.prometheusUrl) {
    for (;;) {
      const s = await targetsScraped(lab.prometheusUrl);
      if (s.scraped > 0 && !firstScrape) firstScrape = performance.now() - t0;
      if (s.total > 0 && s.scraped === s.total) {
        allScraped = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > 60_000) throw new Error('no complete scrape within 60 s');
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  }
  const inodes = new Set(netnsStateOf(readRecord(lab.dir))?.network.netnsInodes ?? []);
  const pids = pidsInNamespaces(inodes);
  const labRssMiB = pids.reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024;
  const mem = process.memoryUsage();
  const t1 = performance.now();
  await lab.stop();
  const down = performance.now() - t1;
  results.push({ network, ready, firstScrape, allScraped, down, runtimeRssMiB: mem.rss / 2 ** 20, heapMiB: mem.heapUsed / 2 ** 20, labRssMiB, processes: pids.length });
  console.log(
    `run ${i + 1}: ${lab.hosts.length} hosts, network ${network.toFixed(0)} ms, all ready ${ready.toFixed(0)} ms, first scrape ${firstScrape.toFixed(0)} ms, ` +
      `every target scraped ${allScraped.toFixed(0)} ms, down ${down.toFixed(0)} ms`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, pick: (r: Run) => number, unit: string) => {
  const xs = results.map(pick);
  console.log(`${name.padEnd(34)} median ${median(xs).toFixed(unit === 'ms' ? 0 : 1).padStart(7)} ${unit}   min ${Math.min(...xs).toFixed(unit === 'ms' ? 0 : 1)}   max ${Math.max(...xs).toFixed(unit === 'ms' ? 0 : 1)}`);
};
console.log(`\nlab ${values.lab}, ${runs} cold runs`);
row('network (namespaces, links, nft)', (r) => r.network, 'ms');
row('up: all processes ready', (r) => r.ready, 'ms');
row('up: first Prometheus scrape', (r) => r.firstScrape, 'ms');
row('up: every target scraped once', (r) => r.allScraped, 'ms');
row('down (stop + remove everything)', (r) => r.down, 'ms');
row('runtime RSS (this process)', (r) => r.runtimeRssMiB, 'MiB');
row('runtime JS heap used', (r) => r.heapMiB, 'MiB');
row(`lab processes RSS (${results[0]?.processes ?? 0} processes)`, (r) => r.labRssMiB, 'MiB');

/**
 * `npm run bench:exporter`: the conntrack exporter at 10,000 and 100,000 tracked connections, against
 * node_exporter's conntrack collector, in one run. Prints a table.
 *
 * The bench makes a network namespace (pbe-bench-…), then runs itself inside it (`--inside`), so every
 * process and scrape it makes sees that namespace's conntrack table; the outer run removes the namespace.
 * Entries are inserted with `conntrack -R` (cheap and exact); churn is real loopback TCP connections
 * (a `--churn` child of this script), tracked through an nft rule.
 *
 * Options (after `npm run bench:exporter --`), to run part of it while iterating:
 *   --sizes 10000,100000      table sizes to measure (default both)
 *   --only source,rest,resync,churn
 *                             phases to run (default all): table sources compared; CPU and scrape
 *                             latency at rest; forced resyncs (alone, then under back-to-back scrapes);
 *                             churn of 1,000 connections per second
 *   --exporter PATH           the exporter to run (default the bundle, else main.ts from source), e.g. an
 *                             older bundle for a before/after comparison
 *
 * The exporter runs with --debug; its resync lines (reason, read(2), parse+apply, GC) and its thread
 * names (the collector thread is `ct-collector`) give the breakdown printed below the table.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseCliArgs } from 'node:util';
import { readTable } from '../labs/programs/conntrack-exporter/tableReader.ts';
import { TableStatuses } from '../labs/programs/conntrack-exporter/tableStatus.ts';
import { COLLECTOR_THREAD_NAME } from '../labs/programs/conntrack-exporter/tunables.ts';
import { parseSamples } from '../test/exporter/exporterProcess.ts';
import { childrenCpuTicksOf, cpuTicks, cpuTicksOf, statFields, threads } from '../test/helpers/procfs.ts';
import { freePort } from '../test/programs/helpers.ts';
import { parseTableLine } from '../labs/programs/conntrack-exporter/conntrackLine.ts';
import { median, percentile } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const DEFAULT_SIZES = [10_000, 100_000];
const PHASES = ['source', 'rest', 'resync', 'churn'] as const;
type Phase = (typeof PHASES)[number];
/** Connections per second during the churn phase, as the task asks. */
const CHURN_RATE = 1_000;
/** Length of each measuring window: long enough for CPU figures at 100 Hz clock ticks. */
const WINDOW_MS = 10_000;
/** Sequential scrapes for latency percentiles. */
const SCRAPES = 300;
/** SIGHUP (resync) period while measuring scrapes during resyncs. */
const RESYNC_EVERY_MS = 300;
/** The exporter's periodic resync in the bench: longer than the run, so windows are not disturbed by it. */
const BENCH_RESYNC_S = 3600;
/** The exporter's default resync interval, to state what resyncs cost in normal use. */
const DEFAULT_RESYNC_S = 30;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The exporter's --debug lines (every Collector.debug call in collector.ts), which the bench hides. Only
 * these: its problem lines ("event stream stopped: …; resyncing …", "… table is readable again") show.
 */
const DEBUG_LINE = new RegExp(
  '^conntrack-exporter: (?:resync started \\(|resync: |the kernel dropped events \\(ENOBUFS\\); resyncing in |' +
    `local addresses or /etc/hosts changed; relabelling$|${TableStatuses.ok}$)`,
);

// ---------------------------------------------------------------- outer: the namespace
async function outer(): Promise<void> {
  const ns = `pbe-bench-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('node', [join(ROOT, 'scripts/buildPrograms.mjs')], { stdio: 'inherit' });
  } catch {
    console.error('build:programs failed; the bench runs the exporter from source');
  }
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', SELF, '--inside', ...process.argv.slice(2)], { stdio: 'inherit' });
    // Ctrl-C reaches the inner run too (same process group); wait for it to stop its processes.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    process.off('SIGINT', ignore);
    process.exitCode = code;
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

// ---------------------------------------------------------------- churn child
async function churn(rate: number, seconds: number): Promise<void> {
  // The server closes first, so TIME_WAIT sits on the server side and client ports are reused freely.
  const server = createServer((s) => {
    s.on('error', () => {});
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  let made = 0;
  let due = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    due += perTick;
    while (made < due) {
      made++;
      const c = createConnection({ host: '127.0.0.1', port });
      c.on('error', () => {});
      c.on('end', () => c.destroy());
    }
  }, tickMs);
  await sleep(seconds * 1000);
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ made, seconds: (Date.now() - t0) / 1000 }) + '\n');
  server.close();
  process.exit(0);
}

// ---------------------------------------------------------------- inner: measurements
interface Proc {
  child: ChildProcess;
  url: string;
}

/** Every process the inner run starts, so an interrupted run stops them (by PID) before it exits. */
const started: ChildProcess[] = [];
function track<T extends ChildProcess>(c: T): T {
  started.push(c);
  return c;
}
let benchDir: string | undefined;
function onInterrupt(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (benchDir !== undefined) rmSync(benchDir, { recursive: true, force: true });
  process.exit(130);
}

/** Live children of pid (our `conntrack -E`), from every thread's children list. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU (utime + stime, clock ticks) of pid split by thread: `http` is the main thread, which serves
 * scrapes; `collector` is the thread named ct-collector; `other` is every other thread of the process,
 * living or ended (libuv's pool, V8's GC helpers; the process total includes ended threads); `child` is
 * the live children (the `conntrack -E` event stream).
 */
interface ThreadCpu {
  http: number;
  collector: number;
  other: number;
  child: number;
}

function threadTicks(pid: number): ThreadCpu {
  const total = cpuTicks(pid);
  const http = cpuTicks(pid, pid);
  let collector = 0;
  for (const t of threads(pid)) if (t.name === COLLECTOR_THREAD_NAME) collector += cpuTicksOf(t.stat);
  return { http, collector, other: total - http - collector, child: childTicks(pid) };
}

/** utime + stime, in clock ticks, of pid's live children. */
function childTicks(pid: number): number {
  let ticks = 0;
  for (const c of childPids(pid)) {
    try {
      ticks += cpuTicks(c);
    } catch {
      // ended meanwhile
    }
  }
  return ticks;
}

const ticksMinus = (a: ThreadCpu, b: ThreadCpu): ThreadCpu => ({ http: a.http - b.http, collector: a.collector - b.collector, other: a.other - b.other, child: a.child - b.child });

/** utime + stime, in clock ticks, of the whole process (its own stat: every thread, ended ones too) and its live children. */
function processTicks(pid: number): number {
  return cpuTicks(pid) + childTicks(pid);
}

function memoryKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/**
 * One scraper connection per exporter, kept alive between scrapes as Prometheus keeps its own.
 * node:http rather than fetch: fetch's per-request objects made the bench client's own GC the
 * largest part of the measured tail.
 */
const scrapeAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });

/** Time to fetch the whole body once (read and discarded: parsing it is the scraper's cost, not the exporter's). */
function scrapeMs(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    httpGet(url, { agent: scrapeAgent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`${url}: ${res.statusCode}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function samples(url: string): Promise<Map<string, number>> {
  return parseSamples(await (await fetch(url)).text());
}

/** A resync as the exporter's --debug line tells it. */
interface ResyncLine {
  reason: string;
  entries: number;
  wallMs: number;
  readMs: number;
  reads: number;
  parseMs: number;
  gcPauses: number;
  gcMs: number;
}

/** The exporter's --debug lines about resyncs, as they come. */
class ResyncLog {
  readonly done: ResyncLine[] = [];
  readonly reasons: string[] = [];
  /** When the last resync line came (performance.now()). */
  lastDone = 0;
  feed(line: string): void {
    const start = /resync started \((.*)\)$/.exec(line);
    if (start) this.reasons.push(start[1]!);
    // An exporter from before the breakdown (--exporter, for a before/after run) prints only the first part.
    const m = /resync: (\d+) entries in ([\d.]+) ms(?: \(read\(2\) ([\d.]+) ms in (\d+) calls, parse\+apply ([\d.]+) ms, removal [\d.]+ ms, GC (\d+) pauses ([\d.]+) ms\))?/.exec(line);
    if (m) {
      const [entries, wallMs, readMs, reads, parseMs, gcPauses, gcMs] = m.slice(1).map((x) => (x === undefined ? NaN : Number(x))) as [number, number, number, number, number, number, number];
      this.lastDone = performance.now();
      this.done.push({ reason: this.reasons[this.done.length] ?? '?', entries, wallMs, readMs, reads, parseMs, gcPauses, gcMs });
    }
  }
  get running(): boolean {
    return this.reasons.length > this.done.length;
  }
}

interface Ours extends Proc {
  resyncs: ResyncLog;
}

function exporterArgs(): string[] {
  if (options.exporter !== undefined) return [options.exporter];
  const bundle = join(ROOT, 'build/programs/conntrack-exporter.mjs');
  return existsSync(bundle) ? [bundle] : ['--import', 'tsx', join(ROOT, 'labs/programs/conntrack-exporter/main.ts')];
}

async function startOurs(): Promise<Ours> {
  // Resyncs are forced by SIGHUP where measured, so the periodic one stays out of the CPU windows.
  const child = track(spawn(process.execPath, [...exporterArgs(), '--bind-address=127.0.0.1', '--listen-port=0', `--resync-interval=${BENCH_RESYNC_S}`, '--debug'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const resyncs = new ResyncLog();
  let errRest = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    const lines = (errRest + c).split('\n');
    errRest = lines.pop() ?? '';
    for (const l of lines) {
      resyncs.feed(l);
      // Problems still show; the debug chatter does not.
      if (!DEBUG_LINE.test(l)) process.stderr.write(l + '\n');
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening on http:\/\/[^ ]+:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('exporter exited')));
  });
  child.stdout!.resume();
  return { child, url: `http://127.0.0.1:${port}/metrics`, resyncs };
}

async function startNodeExporter(): Promise<Proc> {
  const port = await freePort();
  const child = track(spawn('/usr/bin/prometheus-node-exporter', [
    `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.conntrack', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'inherit'] }));
  const url = `http://127.0.0.1:${port}/metrics`;
  for (let i = 0; i < 100; i++) {
    try {
      await scrapeMs(url);
      return { child, url };
    } catch {
      await sleep(50);
    }
  }
  throw new Error('node_exporter did not start');
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const done = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(t);
}

/** Inserts n TCP entries: 90% outbound to 50 remote hosts, 10% inbound from 200 clients; 1 in 10 in TIME_WAIT. */
function insertEntries(n: number, dir: string): number {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const state = i % 10 === 9 ? 'TIME_WAIT' : 'ESTABLISHED';
    // Tuples must be unique: 50 remote hosts per outbound source port, 200 clients per inbound one.
    if (i % 10 === 0) {
      const sport = 1024 + Math.floor(i / 2000);
      lines.push(`-I -p tcp -s 10.8.${Math.floor((i / 10) % 200)}.1 -d 127.0.0.1 --sport ${sport} --dport 8080 --state ${state} -t 3600 -u ASSURED`);
    } else {
      const sport = 1024 + Math.floor(i / 50);
      lines.push(`-I -p tcp -s 127.0.0.1 -d 10.9.0.${(i % 50) + 1} --sport ${sport} --dport ${80 + (i % 5)} --state ${state} -t 3600 -u ASSURED`);
    }
  }
  const file = join(dir, `insert-${n}.txt`);
  writeFileSync(file, lines.join('\n') + '\n');
  const t = performance.now();
  execFileSync('conntrack', ['-R', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - t;
}

/** Median wall time and CPU time (this process and its waited-for children: kernel time included) in ms. */
async function timeIt(fn: () => Promise<unknown> | unknown, runs = 3): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r0 = process.resourceUsage();
    const c0 = childCpuMs();
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    const r1 = process.resourceUsage();
    cpus.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1000 + childCpuMs() - c0);
  }
  return { wall: percentile(walls, 50), cpu: percentile(cpus, 50) };
}

/** CPU of this process's waited-for children (cutime + cstime), in ms. */
function childCpuMs(): number {
  return (childrenCpuTicksOf(statFields('/proc/self/stat')) / CLK_TCK) * 1000;
}

/** `conntrack -L` output read and parsed the same way as /proc, for the comparison of table sources. */
async function listWithTool(): Promise<number> {
  const out = execFileSync('conntrack', ['-L', '-p', 'tcp'], { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  let n = 0;
  for (const line of out.split('\n')) if (parseTableLine(line).kind === 'ok') n++;
  return n;
}

async function procEntries(): Promise<number> {
  const r = await readTable('/proc', () => {});
  if (r.kind !== 'ok') throw new Error(r.status);
  return r.count;
}

/** CPU of each process over a window, with one scrape per second of each (as Prometheus would). */
async function cpuWindow(procs: Proc[], ms: number): Promise<number[]> {
  const before = procs.map((p) => processTicks(p.child.pid!));
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await Promise.all(procs.map((p) => scrapeMs(p.url)));
    await sleep(1000);
  }
  const secs = (performance.now() - t0) / 1000;
  return procs.map((p, i) => ((processTicks(p.child.pid!) - before[i]!) / CLK_TCK / secs) * 100);
}

/**
 * Polls every second until `until(value of key)` holds and neither that value nor resyncs_total moved
 * since the previous poll, and no resync is running (from the debug log); returns the last samples.
 * One-second polls reuse the keep-alive connection, so the polling itself makes no new tracked
 * connections (no new events).
 */
async function settle(p: Ours, key: string, until: (v: number) => boolean): Promise<Map<string, number>> {
  const deadline = performance.now() + 120_000;
  let m = await samples(p.url);
  for (;;) {
    await sleep(1_000);
    const next = await samples(p.url);
    const same = (k: string) => next.get(k) === m.get(k);
    const done = until(next.get(key)!) && same(key) && same('conntrack_exporter_resyncs_total') && !p.resyncs.running;
    m = next;
    if (done || performance.now() > deadline) return m;
  }
}

/** Waits until no resync is running (the debug log has a result line for every start line). */
async function resyncsDone(p: Ours): Promise<void> {
  const deadline = performance.now() + 120_000;
  const log = p.resyncs;
  // An older exporter does not log starts: wait until no resync has ended for twice the last one's length.
  const quiet = () => log.reasons.length > 0 || performance.now() - log.lastDone > Math.max(2_000, 2 * (log.done.at(-1)?.wallMs ?? 0));
  while ((log.running || !quiet()) && performance.now() < deadline) await sleep(20);
}

async function latencies(url: string, n: number): Promise<number[]> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await scrapeMs(url));
  return xs;
}

/**
 * The bench client's own event-loop delay while fn runs (p99 / max, ms): a scrape cannot be timed
 * more precisely than the client's own stalls (its GC, waiting for a core), so a tail of about this
 * size is the client's or the machine's, not the exporter's.
 */
async function clientDelay<T>(fn: () => Promise<T>): Promise<[T, string]> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const r = await fn();
  h.disable();
  return [r, `${f(h.percentile(99) / 1e6, 2)} / ${f(h.max / 1e6, 2)}`];
}

interface Row {
  [k: string]: string;
}

const f = (x: number, d = 1) => x.toFixed(d);
const pct = (xs: number[]) => (xs.length === 0 ? 'n/a' : `${f(percentile(xs, 50), 2)} / ${f(percentile(xs, 99), 2)} / ${f(Math.max(...xs), 2)}`);
const ms = (ticks: number, per = 1) => ((ticks / CLK_TCK) * 1000) / Math.max(1, per);
/** "collector / other threads / HTTP / conntrack -E" CPU in ms, per resync. */
const split = (t: ThreadCpu, per: number) => `${f(ms(t.collector, per), 0)} / ${f(ms(t.other, per), 0)} / ${f(ms(t.http, per), 0)} / ${f(ms(t.child, per), 0)}`;

async function measureSize(n: number, dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  const row = (what: string, ours: string, node = '') => rows.push({ size: n.toLocaleString('en'), what, ours, node });
  const notes: string[] = [];
  execFileSync('conntrack', ['-F'], { stdio: 'ignore' });
  const insertMs = insertEntries(n, dir);
  notes.push(`inserted in ${f(insertMs / 1000, 2)} s`);

  if (phases.has('source')) {
    const procRead = await timeIt(procEntries);
    const toolRead = await timeIt(() => listWithTool());
    row('table source: /proc/net/nf_conntrack read + parse, wall / CPU (ms)', `${f(procRead.wall)} / ${f(procRead.cpu)}`);
    row('table source: conntrack -L -p tcp + parse, wall / CPU (ms)', `${f(toolRead.wall)} / ${f(toolRead.cpu)}`);
  }

  const ours = await startOurs();
  const nodeExp = await startNodeExporter();
  const loaded = performance.now();
  let m = await samples(ours.url);
  while ((m.get('conntrack_exporter_table_entries') ?? 0) < n) {
    await sleep(50);
    m = await samples(ours.url);
  }
  const initialResync = m.get('conntrack_exporter_last_resync_duration_seconds')! * 1000;
  notes.push(`ready ${f(performance.now() - loaded)} ms after start`);
  row('initial full dump in the exporter, wall (ms)', f(initialResync));
  // The catch-up resync once the event stream has subscribed may run now: let it finish.
  await settle(ours, 'conntrack_exporter_table_entries', () => true);

  if (phases.has('rest')) {
    const [restOurs = NaN, restNode = NaN] = await cpuWindow([ours, nodeExp], WINDOW_MS);
    const [latOurs, delayOurs] = await clientDelay(() => latencies(ours.url, SCRAPES));
    const [latNode, delayNode] = await clientDelay(() => latencies(nodeExp.url, SCRAPES));
    row(`scrape p50 / p99 / max at rest, ${SCRAPES} scrapes (ms)`, pct(latOurs), pct(latNode));
    row('  bench client event-loop delay meanwhile, p99 / max (ms)', delayOurs, delayNode);
    row('CPU at rest, 1 scrape/s (% of one core)', f(restOurs, 2), f(restNode, 2));
  }

  if (phases.has('resync')) {
    // A resync alone: one SIGHUP, nothing else running.
    const alone0 = ours.resyncs.done.length;
    const a0 = threadTicks(ours.child.pid!);
    ours.child.kill('SIGHUP');
    const aloneDeadline = performance.now() + 120_000;
    while (ours.resyncs.done.length === alone0 && performance.now() < aloneDeadline) await sleep(20);
    await resyncsDone(ours);
    const aloneCpu = ticksMinus(threadTicks(ours.child.pid!), a0);
    const alone = ours.resyncs.done.slice(alone0);
    row('full resync alone, wall (ms): total / read(2) / parse+apply', alone.map((r) => `${f(r.wallMs)} / ${f(r.readMs)} / ${f(r.parseMs)}`).join('; '));
    row('  CPU (ms): collector / other threads / HTTP / conntrack -E', split(aloneCpu, alone.length));

    // Scrapes while resyncs run: SIGHUP asks for one every RESYNC_EVERY_MS (they coalesce: at most one
    // waits behind the running one), and scrapes go on back to back for at least three resync durations.
    const first = ours.resyncs.done.length;
    const cpu0 = threadTicks(ours.child.pid!);
    const hup = setInterval(() => ours.child.kill('SIGHUP'), RESYNC_EVERY_MS);
    const until = performance.now() + Math.max(3_000, 3 * initialResync);
    const [latResync, delayResync] = await clientDelay(async () => {
      const xs: number[] = [];
      while (performance.now() < until) xs.push(await scrapeMs(ours.url));
      return xs;
    });
    clearInterval(hup);
    await resyncsDone(ours);
    const cpu = ticksMinus(threadTicks(ours.child.pid!), cpu0);
    const forced = ours.resyncs.done.slice(first);
    const k = forced.length;
    const walls = forced.map((r) => r.wallMs);
    row(`full resync under back-to-back scrapes, wall (ms): median / max of ${k}`, `${f(median(walls))} / ${f(Math.max(...walls))}`);
    row('  read(2) / parse+apply, median (ms)', `${f(median(forced.map((r) => r.readMs)))} / ${f(median(forced.map((r) => r.parseMs)))}`);
    row('  collector GC per resync, median: pauses / ms', `${median(forced.map((r) => r.gcPauses))} / ${f(median(forced.map((r) => r.gcMs)))}`);
    row('  CPU per resync (ms): collector / other threads / HTTP / conntrack -E', split(cpu, k));
    const resyncCpuMs = ms(cpu.collector + cpu.other + cpu.child, k);
    row(`  resync CPU (all but HTTP) at the default ${DEFAULT_RESYNC_S} s interval (% of one core)`, f((resyncCpuMs / (DEFAULT_RESYNC_S * 1000)) * 100, 2));
    row(`scrape p50 / p99 / max during those ${k} resyncs, ${latResync.length} scrapes (ms)`, pct(latResync));
    row('  bench client event-loop delay meanwhile, p99 / max (ms)', delayResync);
    notes.push(`${forced[0]?.reads ?? '?'} read(2) calls per resync`);
  }
  const memRest = memoryKiB(ours.child.pid!);

  if (phases.has('churn')) {
    // Churn: CHURN_RATE new connections per second for the window.
    const e0 = await settle(ours, 'conntrack_exporter_table_entries', () => true);
    const resyncs0 = ours.resyncs.reasons.length;
    const gen = track(spawn(process.execPath, ['--import', 'tsx', SELF, '--churn', String(CHURN_RATE), String(WINDOW_MS / 1000)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const genExit = new Promise((r) => gen.once('exit', r)); // it may end before the window does
    let genOut = '';
    gen.stdout!.setEncoding('utf8').on('data', (c: string) => (genOut += c));
    await sleep(500); // generator start-up
    const c0 = threadTicks(ours.child.pid!);
    const t0 = performance.now();
    const [churnOurs = NaN, churnNode = NaN] = await cpuWindow([ours, nodeExp], WINDOW_MS - 1500);
    const churnCpu = ticksMinus(threadTicks(ours.child.pid!), c0);
    const churnSecs = (performance.now() - t0) / 1000;
    const latChurn = await latencies(ours.url, 100);
    await genExit;
    const made = JSON.parse(genOut.trim().split('\n').pop() ?? '{}') as { made?: number; seconds?: number };
    const churnEnd = await samples(ours.url);
    const eventsIn = (x: Map<string, number>) => ['new', 'update', 'destroy'].reduce((a, t) => a + x.get(`conntrack_exporter_events_total{type="${t}"}`)!, 0);
    const events = eventsIn(churnEnd) - eventsIn(e0);
    const churnResyncs = ours.resyncs.reasons.slice(resyncs0);
    // Drift check once the collector has caught up (no new events, no resync running).
    const e1 = await settle(ours, 'conntrack_exporter_events_total{type="new"}', () => true);
    const kernel = await procEntries();
    const entries = e1.get('conntrack_exporter_table_entries')!;
    const memChurn = memoryKiB(ours.child.pid!);
    const share = (t: number) => f((t / CLK_TCK / churnSecs) * 100, 1);
    row('scrape p50 / p99 / max during churn, 100 scrapes (ms)', pct(latChurn));
    row(`CPU during churn of ${CHURN_RATE} conn/s (% of one core)`, f(churnOurs, 2), f(churnNode, 2));
    row('  collector / other threads / HTTP / conntrack -E (%)', `${share(churnCpu.collector)} / ${share(churnCpu.other)} / ${share(churnCpu.http)} / ${share(churnCpu.child)}`);
    row('memory RSS at rest / after churn (MiB)', `${f(memRest.rss / 1024)} / ${f(memChurn.rss / 1024)}`, f(memoryKiB(nodeExp.child.pid!).rss / 1024));
    row('memory peak RSS (MiB)', f(memChurn.hwm / 1024), f(memoryKiB(nodeExp.child.pid!).hwm / 1024));
    notes.push(
      `churn generator made ${made.made} connections in ${made.seconds} s; ${events} events and ${churnResyncs.length} resyncs in the churn window` +
        `${churnResyncs.length > 0 ? ` (${churnResyncs.join(', ')})` : ''}; after churn our copy has ${entries} entries, the kernel ${kernel}`,
    );
  } else {
    row('memory RSS at rest (MiB)', f(memRest.rss / 1024), f(memoryKiB(nodeExp.child.pid!).rss / 1024));
  }
  const series = [...(await samples(ours.url)).keys()].filter((k) => k.startsWith('conntrack_open_connections{')).length;
  notes.push(`${series} host series`);

  await stop(ours);
  await stop(nodeExp);
  console.log(`  N=${n}: ${notes.join('; ')}.`);
  return rows;
}

async function inner(): Promise<void> {
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  // Loopback connections are tracked only when a rule asks for it.
  execFileSync('nft', ['-f', '-'], {
    input: 'table inet pbe_bench {\n chain track_out { type filter hook output priority 0; ct state new,established accept; }\n}\n',
  });
  execFileSync('sysctl', ['-qw', 'net.ipv4.ip_local_port_range=1024 65535']);
  const dir = mkdtempSync(join(tmpdir(), 'pbe-bench-'));
  benchDir = dir;
  try {
    console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores shared with other work)`);
    console.log(`conntrack exporter bench: node ${process.version}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${CLK_TCK} clock ticks/s`);
    const rows: Row[] = [];
    console.log(`sizes ${options.sizes.join(', ')}; phases ${[...phases].join(', ')}; exporter ${exporterArgs().join(' ')}`);
    for (const n of options.sizes) rows.push(...(await measureSize(n, dir)));
    const cols = ['size', 'what', 'ours', 'node'] as const;
    const head = { size: 'entries', what: 'measure', ours: 'conntrack-exporter', node: 'node_exporter conntrack' };
    const width = cols.map((c) => Math.max(head[c].length, ...rows.map((r) => (r[c] ?? '').length)));
    const line = (r: Row) => '| ' + cols.map((c, i) => (r[c] ?? '').padEnd(width[i]!)).join(' | ') + ' |';
    console.log(line(head));
    console.log('|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|');
    for (const r of rows) console.log(line(r));
    console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    execFileSync('conntrack', ['-F'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options after `npm run bench:exporter --` (see the header comment). */
function parseArgs(args: string[]): { sizes: number[]; only: Phase[]; exporter: string | undefined } {
  const { values } = parseCliArgs({
    args,
    options: { sizes: { type: 'string' }, only: { type: 'string' }, exporter: { type: 'string' }, inside: { type: 'boolean' } },
  });
  const sizes = values.sizes === undefined ? DEFAULT_SIZES : values.sizes.split(',').map(Number);
  if (sizes.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`--sizes: whole numbers, comma-separated: ${values.sizes}`);
  const only = values.only === undefined ? [...PHASES] : (values.only.split(',') as Phase[]);
  for (const p of only) if (!PHASES.includes(p)) throw new Error(`--only: one or more of ${PHASES.join(',')}: ${p}`);
  return { sizes, only, exporter: values.exporter === undefined ? undefined : resolve(values.exporter) };
}

const argv = process.argv.slice(2);
const options = argv[0] === '--churn' ? parseArgs([]) : parseArgs(argv);
const phases = new Set<Phase>(options.only);
if (argv[0] === '--churn') await churn(Number(argv[1]), Number(argv[2]));
else if (argv[0] === '--inside') await inner();
else await outer();

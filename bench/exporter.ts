/**
 * `npm run bench:exporter`: the conntrack exporter at 10,000 and 100,000 tracked connections, against
 * node_exporter's conntrack collector, in one run. Prints a table.
 *
 * The bench makes a network namespace (pbe-bench-…), then runs itself inside it (`--inside`), so every
 * process and scrape it makes sees that namespace's conntrack table; the outer run removes the namespace.
 * Entries are inserted with `conntrack -R` (cheap and exact); churn is real loopback TCP connections
 * (a `--churn` child of this script), tracked through an nft rule.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable } from '../labs/programs/conntrack-exporter/table-reader.ts';
import { parseTableLine } from '../labs/programs/conntrack-exporter/conntrack-line.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SIZES = [10_000, 100_000];
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

// ---------------------------------------------------------------- outer: the namespace
async function outer(): Promise<void> {
  const ns = `pbe-bench-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('node', [join(ROOT, 'scripts/build-programs.mjs')], { stdio: 'inherit' });
  } catch {
    console.error('build:programs failed; the bench runs the exporter from source');
  }
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', SELF, '--inside'], { stdio: 'inherit' });
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

/**
 * utime + stime, in clock ticks, of all threads of pid and of its live children (our `conntrack -E`);
 * with `exceptMain`, leaving out the main thread, which is the exporter's HTTP thread: what remains is
 * the collector (worker thread, libuv pool doing the /proc reads, GC helpers, the event child).
 */
function cpuTicks(pid: number, exceptMain = false): number {
  const ticks = (path: string) => {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const own = (p: number) => ticks(`/proc/${p}/stat`);
  let total = exceptMain ? own(pid) - ticks(`/proc/${pid}/task/${pid}/stat`) : own(pid);
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean)) {
      try {
        total += own(Number(c));
      } catch {
        // ended meanwhile
      }
    }
  }
  return total;
}

function memoryKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

async function scrapeMs(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

async function samples(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function startOurs(): Promise<Proc> {
  const bundle = join(ROOT, 'build/programs/conntrack-exporter.mjs');
  const args = existsSync(bundle)
    ? [bundle]
    : ['--import', 'tsx', join(ROOT, 'labs/programs/conntrack-exporter/main.ts')];
  // Resyncs are forced by SIGHUP where measured, so the periodic one stays out of the CPU windows.
  const child = track(spawn(process.execPath, [...args, '--bind-address=127.0.0.1', '--listen-port=0', `--resync-interval=${BENCH_RESYNC_S}`], { stdio: ['ignore', 'pipe', 'inherit'] }));
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
  return { child, url: `http://127.0.0.1:${port}/metrics` };
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

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
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
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) / CLK_TCK) * 1000;
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
  const before = procs.map((p) => cpuTicks(p.child.pid!));
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await Promise.all(procs.map((p) => scrapeMs(p.url)));
    await sleep(1000);
  }
  const secs = (performance.now() - t0) / 1000;
  return procs.map((p, i) => ((cpuTicks(p.child.pid!) - before[i]!) / CLK_TCK / secs) * 100);
}

/**
 * Polls every second until `until(value of key)` holds and neither that value nor resyncs_total moved
 * since the previous poll; returns the last samples. One-second polls reuse the keep-alive connection,
 * so the polling itself makes no new tracked connections (no new events).
 */
async function settle(url: string, key: string, until: (v: number) => boolean): Promise<Map<string, number>> {
  const deadline = performance.now() + 120_000;
  let m = await samples(url);
  for (;;) {
    await sleep(1_000);
    const next = await samples(url);
    const same = (k: string) => next.get(k) === m.get(k);
    const done = until(next.get(key)!) && same(key) && same('conntrack_exporter_resyncs_total');
    m = next;
    if (done || performance.now() > deadline) return m;
  }
}

async function latencies(url: string, n: number): Promise<number[]> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await scrapeMs(url));
  return xs;
}

interface Row {
  [k: string]: string;
}

async function measureSize(n: number, dir: string): Promise<Row[]> {
  execFileSync('conntrack', ['-F'], { stdio: 'ignore' });
  const insertMs = insertEntries(n, dir);
  const procRead = await timeIt(procEntries);
  const toolRead = await timeIt(() => listWithTool());

  const ours = await startOurs();
  const nodeExp = await startNodeExporter();
  const loaded = performance.now();
  let m = await samples(ours.url);
  while ((m.get('conntrack_exporter_table_entries') ?? 0) < n) {
    await sleep(50);
    m = await samples(ours.url);
  }
  const initialResync = m.get('conntrack_exporter_last_resync_duration_seconds')! * 1000;
  const readyMs = performance.now() - loaded;

  const [restOurs = NaN, restNode = NaN] = await cpuWindow([ours, nodeExp], WINDOW_MS);
  const latOurs = await latencies(ours.url, SCRAPES);
  const latNode = await latencies(nodeExp.url, SCRAPES);

  // Scrapes while resyncs run: SIGHUP asks for one every RESYNC_EVERY_MS (they queue behind each other),
  // and scrapes go on back to back for at least three resync durations.
  const r0 = (await samples(ours.url)).get('conntrack_exporter_resyncs_total')!;
  const cpu0 = cpuTicks(ours.child.pid!, true);
  const hup = setInterval(() => ours.child.kill('SIGHUP'), RESYNC_EVERY_MS);
  const latResync: number[] = [];
  const until = performance.now() + Math.max(3_000, 3 * initialResync);
  while (performance.now() < until) latResync.push(await scrapeMs(ours.url));
  clearInterval(hup);
  // The collector thread runs niced, so on a busy machine its resyncs lag the signals: wait until at
  // least one has finished and the count has stopped moving.
  const afterResync = await settle(ours.url, 'conntrack_exporter_resyncs_total', (v) => v > r0);
  const resyncs = afterResync.get('conntrack_exporter_resyncs_total')! - r0;
  const resyncCpuMs = (((cpuTicks(ours.child.pid!, true) - cpu0) / CLK_TCK) * 1000) / Math.max(1, resyncs);
  const resyncMs = afterResync.get('conntrack_exporter_last_resync_duration_seconds')! * 1000;
  const memRest = memoryKiB(ours.child.pid!);

  // Churn: CHURN_RATE new connections per second for the window.
  const e0 = afterResync;
  const gen = track(spawn(process.execPath, ['--import', 'tsx', SELF, '--churn', String(CHURN_RATE), String(WINDOW_MS / 1000)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const genExit = new Promise((r) => gen.once('exit', r)); // it may end before the window does
  let genOut = '';
  gen.stdout!.setEncoding('utf8').on('data', (c: string) => (genOut += c));
  await sleep(500); // generator start-up
  const [churnOurs = NaN, churnNode = NaN] = await cpuWindow([ours, nodeExp], WINDOW_MS - 1500);
  const latChurn = await latencies(ours.url, 100);
  await genExit;
  const made = JSON.parse(genOut.trim().split('\n').pop() ?? '{}') as { made?: number; seconds?: number };
  const churnEnd = await samples(ours.url);
  const eventsIn = (m: Map<string, number>) => ['new', 'update', 'destroy'].reduce((a, t) => a + m.get(`conntrack_exporter_events_total{type="${t}"}`)!, 0);
  const events = eventsIn(churnEnd) - eventsIn(e0);
  const churnResyncs = churnEnd.get('conntrack_exporter_resyncs_total')! - e0.get('conntrack_exporter_resyncs_total')!;
  // Drift check once the collector has caught up (no new events, no resync running).
  const e1 = await settle(ours.url, 'conntrack_exporter_events_total{type="new"}', () => true);
  const kernel = await procEntries();
  const entries = e1.get('conntrack_exporter_table_entries')!;
  const memChurn = memoryKiB(ours.child.pid!);
  const nodeMem = memoryKiB(nodeExp.child.pid!);
  const series = [...e1.keys()].filter((k) => k.startsWith('conntrack_open_connections{')).length;

  await stop(ours);
  await stop(nodeExp);
  const f = (x: number, d = 1) => x.toFixed(d);
  const pct = (xs: number[]) => `${f(percentile(xs, 50), 2)} / ${f(percentile(xs, 99), 2)} / ${f(Math.max(...xs), 2)}`;
  console.log(
    `  N=${n}: inserted in ${f(insertMs / 1000, 2)} s; ready ${f(readyMs)} ms after start; ${series} host series; ` +
      `churn generator made ${made.made} connections in ${made.seconds} s; ${events} events and ${churnResyncs} resyncs in the churn window; ` +
      `after churn our copy has ${entries} entries, the kernel ${kernel}.`,
  );
  return [
    { what: 'table source: /proc/net/nf_conntrack read + parse, wall / CPU (ms)', ours: `${f(procRead.wall)} / ${f(procRead.cpu)}`, node: '' },
    { what: 'table source: conntrack -L -p tcp + parse, wall / CPU (ms)', ours: `${f(toolRead.wall)} / ${f(toolRead.cpu)}`, node: '' },
    { what: 'initial full dump in the exporter, wall (ms)', ours: f(initialResync), node: '' },
    { what: `full resync, wall (ms, last of ${resyncs} forced)`, ours: f(resyncMs), node: '' },
    { what: 'full resync, CPU of all but the HTTP thread (ms per resync)', ours: f(resyncCpuMs), node: '' },
    { what: `resync cost at the default ${DEFAULT_RESYNC_S} s interval (% of one core)`, ours: f((resyncCpuMs / (DEFAULT_RESYNC_S * 1000)) * 100, 2), node: '' },
    { what: 'scrape p50 / p99 / max at rest (ms)', ours: pct(latOurs), node: pct(latNode) },
    { what: `scrape p50 / p99 / max during ${resyncs} resyncs (ms)`, ours: pct(latResync), node: '' },
    { what: `scrape p50 / p99 / max during churn (ms)`, ours: pct(latChurn), node: '' },
    { what: 'CPU at rest, 1 scrape/s (% of one core)', ours: f(restOurs, 2), node: f(restNode, 2) },
    { what: `CPU during churn of ${CHURN_RATE} conn/s (% of one core)`, ours: f(churnOurs, 2), node: f(churnNode, 2) },
    { what: 'memory RSS at rest / after churn (MiB)', ours: `${f(memRest.rss / 1024)} / ${f(memChurn.rss / 1024)}`, node: f(nodeMem.rss / 1024) },
    { what: 'memory peak RSS (MiB)', ours: f(memChurn.hwm / 1024), node: f(nodeMem.hwm / 1024) },
  ].map((r) => ({ size: n.toLocaleString('en'), ...r }));
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
    for (const n of SIZES) rows.push(...(await measureSize(n, dir)));
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

const argv = process.argv.slice(2);
if (argv[0] === '--churn') await churn(Number(argv[1]), Number(argv[2]));
else if (argv[0] === '--inside') await inner();
else await outer();

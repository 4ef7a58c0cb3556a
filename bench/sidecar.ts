/**
 * `npm run bench:sidecar`: the sidecar's speed with an outside client (wrk).
 * 1. Throughput: requests/s through one sidecar worker (`--concurrency 1`) to a trivial upstream, wrk
 *    with keep-alive connections (as a mesh's callers would), next to wrk straight at the upstream.
 * 2. Added latency: p50/p99 at a fixed 1,000 requests/s through the sidecar minus the same straight to
 *    the upstream. wrk2 (constant-rate wrk) is not in Debian, and wrk's Lua `delay()` only sleeps after
 *    each response (so the rate falls as latency grows), so the lab's load generator runs at a fixed
 *    schedule instead (`load -qps 1000`, requests sent on time, fortio-style); it is the same client for
 *    both runs, so its own overhead cancels out in the difference. The achieved rate is printed too.
 * 3. Memory: the sidecar's resident set size (VmRSS) after the runs.
 * Every process started here runs on 127.0.0.1 and is stopped by PID at the end.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../test/programs/helpers.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Long enough for a stable figure on a shared 2-core machine, short enough to run often. */
const THROUGHPUT_SECONDS = 10;
const THROUGHPUT_CONNECTIONS = 32;
/** The target rate for the added-latency figure. */
const FIXED_RATE = 1000;
const FIXED_RATE_CONNECTIONS = 10;
const FIXED_RATE_SECONDS = 10;
/**
 * Direct and via-sidecar runs alternate this many times and the median of each is reported: on a shared
 * machine a single pair is dominated by whatever else runs at that moment.
 */
const ROUNDS = 3;

const UPSTREAM = `
const http = require('node:http');
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }); res.end('ok\\n'); });
s.keepAliveTimeout = 3600000;
s.listen(Number(process.argv[1]), '127.0.0.1', () => process.stderr.write('ready\\n'));
`;

function startUntil(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      if (ready.test(err)) resolve(p);
    });
    p.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}

interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: string;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's']);
}

function wrk(url: string, connections: number, seconds: number): WrkResult {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50ms = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99ms = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const errors = /Socket errors:.*|Non-2xx.*/g.exec(out)?.[0] ?? 'none';
  return { rps, p50ms, p99ms, errors };
}

/** CPU seconds (user + system) a process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Each figure's median over the rounds (rates and percentiles separately). */
function median(rs: WrkResult[]): WrkResult {
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { rps: mid(rs.map((r) => r.rps)), p50ms: mid(rs.map((r) => r.p50ms)), p99ms: mid(rs.map((r) => r.p99ms)), errors: [...new Set(rs.map((r) => r.errors))].join('; ') };
}

/** The load generator at a fixed rate; p50/p99 from its JSON (seconds) in ms. */
function paced(url: string, jsonFile: string): WrkResult {
  execFileSync(process.execPath, ['build/programs/load.mjs', '-c', String(FIXED_RATE_CONNECTIONS), '-qps', String(FIXED_RATE), '-t', `${FIXED_RATE_SECONDS}s`, '-quiet', '-json', jsonFile, url], { cwd: ROOT, stdio: 'ignore' });
  const r = JSON.parse(readFileSync(jsonFile, 'utf8')) as { ActualQPS: number; RetCodes: Record<string, number>; DurationHistogram: { Percentiles: { Percentile: number; Value: number }[] } };
  const p = (n: number) => 1000 * (r.DurationHistogram.Percentiles.find((x) => x.Percentile === n)?.Value ?? NaN);
  const errors = Object.entries(r.RetCodes).filter(([c]) => c !== '200').map(([c, n]) => `Code ${c}: ${n}`).join(', ') || 'none';
  return { rps: r.ActualQPS, p50ms: p(50), p99ms: p(99), errors };
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['scripts/buildPrograms.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'pbd-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const [upPort, admin, listen] = [await freePort(), await freePort(), await freePort()];
    procs.push(await startUntil(process.execPath, ['-e', UPSTREAM, String(upPort)], /ready/));
    const config = join(dir, 'envoy.yaml');
    writeFileSync(
      config,
      `admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${admin} } } }
static_resources:
  listeners:
  - name: bench
    address: { socket_address: { address: 127.0.0.1, port_value: ${listen} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          route_config: { virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: upstream } }] }] }
  clusters:
  - name: upstream
    load_assignment: { cluster_name: upstream, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${upPort} } } } }] }] }
`,
    );
    const sidecar = await startUntil(process.execPath, ['build/programs/sidecar.mjs', '-c', config, '--concurrency', '1'], /sidecar ready/);
    procs.push(sidecar);
    const direct = `http://127.0.0.1:${upPort}/`;
    const via = `http://127.0.0.1:${listen}/`;
    const rssIdle = rssMiB(sidecar.pid!);

    wrk(via, THROUGHPUT_CONNECTIONS, 2); // warm-up (JIT, pool)
    const tDirects: WrkResult[] = [];
    const tVias: WrkResult[] = [];
    let cpuUsed = 0;
    for (let i = 0; i < ROUNDS; i++) {
      tDirects.push(wrk(direct, THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS));
      const cpu0 = cpuSeconds(sidecar.pid!);
      tVias.push(wrk(via, THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS));
      cpuUsed += cpuSeconds(sidecar.pid!) - cpu0;
    }
    const tDirect = median(tDirects);
    const tVia = median(tVias);
    const viaRequests = tVias.reduce((a, r) => a + r.rps * THROUGHPUT_SECONDS, 0);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const rssAfterThroughput = rssMiB(sidecar.pid!);

    const lDirects: WrkResult[] = [];
    const lVias: WrkResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      lDirects.push(paced(direct, join(dir, 'direct.json')));
      lVias.push(paced(via, join(dir, 'via.json')));
    }
    const lDirect = median(lDirects);
    const lVia = median(lVias);
    const rssEnd = rssMiB(sidecar.pid!);

    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(`\nbench:sidecar (one worker, ${THROUGHPUT_CONNECTIONS} keep-alive connections, ${THROUGHPUT_SECONDS}s per run, median of ${ROUNDS} alternating rounds; node ${process.version})`);
    console.log(`  throughput  direct to upstream : ${f(tDirect.rps)} req/s (p99 ${f(tDirect.p99ms, 2)} ms)`);
    console.log(`  throughput  through sidecar    : ${f(tVia.rps)} req/s (p99 ${f(tVia.p99ms, 2)} ms)  errors: ${tVia.errors}   [aim >= 5000]`);
    // The machine is shared: requests per CPU-second is what one worker does with a core to itself.
    console.log(`  sidecar CPU: ${f(cpuUsed, 2)} s for ${f(viaRequests)} requests = ${f(viaRequests / cpuUsed)} requests per CPU-second (load average ${load})`);
    console.log(`  per-round via sidecar: ${tVias.map((r) => f(r.rps)).join(', ')} req/s; paced p99 direct ${lDirects.map((r) => f(r.p99ms, 2)).join(', ')} ms, via ${lVias.map((r) => f(r.p99ms, 2)).join(', ')} ms`);
    console.log(`  fixed rate ${FIXED_RATE}/s, ${FIXED_RATE_CONNECTIONS} connections, ${FIXED_RATE_SECONDS}s (load generator, fixed schedule):`);
    console.log(`    direct       : achieved ${f(lDirect.rps)} req/s, p50 ${f(lDirect.p50ms, 3)} ms, p99 ${f(lDirect.p99ms, 3)} ms`);
    console.log(`    via sidecar  : achieved ${f(lVia.rps)} req/s, p50 ${f(lVia.p50ms, 3)} ms, p99 ${f(lVia.p99ms, 3)} ms`);
    console.log(`    added by the sidecar: p50 ${f(lVia.p50ms - lDirect.p50ms, 3)} ms, p99 ${f(lVia.p99ms - lDirect.p99ms, 3)} ms   [aim <= 2 ms at p99]`);
    console.log(`  memory (VmRSS): idle ${f(rssIdle, 1)} MiB, after throughput ${f(rssAfterThroughput, 1)} MiB, at end ${f(rssEnd, 1)} MiB`);
  } finally {
    for (const p of procs.reverse()) if (p.exitCode === null) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

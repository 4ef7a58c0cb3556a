/**
 * `load`: a load generator in fortio's style (`fortio load` flags and output), for the lab.
 *   load [-c 8] [-qps 8] [-t 5s] [-n CALLS] [-timeout 3s] [-json FILE] URL
 * Each of the -c connections is its own keep-alive client sending one request at a time, like fortio's
 * threads; -qps is shared between them (0 or -1: as fast as possible); -t 0 without -n runs until
 * interrupted. Lab extension: -qps-swing Q and -period D vary the rate as a sine of that period
 * around -qps, so background traffic makes graphs move.
 */
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderSummary, summarize } from './histogram.ts';

const HELP = `Usage: load [flags] URL
  -c N          connections / parallel clients (default 8)
  -qps R        total queries per second, 0 or -1 for max speed (default 8)
  -t D          duration, e.g. 10s, 1m; 0 runs until interrupted (default 5s)
  -n N          total number of calls (overrides -t)
  -timeout D    per-request timeout (default 3s); timeouts count as Code -1
  -json FILE    also write the results as JSON ("-" for stdout)
  -qps-swing R  vary the rate by +/- R around -qps (sine), for background traffic
  -period D     period of that variation (default 120s)
  -quiet        print only the summary
  -keepalive=false  a new connection per call (default: keep-alive per connection)
`;

/** Latency samples kept for the summary; beyond this the oldest half is dropped (runs with -t 0). */
const MAX_SAMPLES = 1_000_000;

/** Lowest rate a swinging schedule goes down to, in queries per second. */
const MIN_QPS = 0.2;

function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error(`bad duration "${v}" (use e.g. 500ms, 10s, 2m)`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']);
}

interface Options {
  c: number;
  qps: number;
  durationMs: number;
  n: number | undefined;
  timeoutMs: number;
  json: string | undefined;
  swing: number;
  periodMs: number;
  quiet: boolean;
  keepalive: boolean;
  url: URL;
}

function parse(argv: string[]): Options {
  const o: Partial<Options> & { c: number; qps: number; durationMs: number; timeoutMs: number; swing: number; periodMs: number; quiet: boolean; keepalive: boolean } = {
    c: 8, qps: 8, durationMs: 5000, timeoutMs: 3000, swing: 0, periodMs: 120_000, quiet: false, keepalive: true,
  };
  for (let i = 0; i < argv.length; i++) {
    // Go-style flags as fortio takes them: `-t 5s`, `-t=5s`, `--t 5s`.
    const raw = argv[i]!.replace(/^--/, '-');
    const eq = raw.startsWith('-') ? raw.indexOf('=') : -1;
    const a = eq > 0 ? raw.slice(0, eq) : raw;
    let inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const val = () => {
      if (inline !== undefined) {
        const v = inline;
        inline = undefined;
        return v;
      }
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`${a}: not a number: "${v}"`);
      return n;
    };
    switch (a) {
      case '-h': case '-help': process.stdout.write(HELP); process.exit(0);
      case '-c': o.c = num(val()); break;
      case '-qps': o.qps = num(val()); break;
      case '-t': o.durationMs = parseDuration(val()); break;
      case '-n': o.n = num(val()); break;
      case '-timeout': o.timeoutMs = parseDuration(val()); break;
      case '-json': o.json = val(); break;
      case '-qps-swing': o.swing = num(val()); break;
      case '-period': o.periodMs = parseDuration(val()); break;
      case '-quiet': o.quiet = true; break;
      case '-keepalive': {
        // A bare -keepalive means true; -keepalive=false (fortio's spelling) opens a connection per call.
        const v = inline ?? 'true';
        inline = undefined;
        if (v !== 'true' && v !== 'false') throw new Error(`-keepalive takes true or false (got "${v}")`);
        o.keepalive = v === 'true';
        break;
      }
      default:
        if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
        if (inline !== undefined) throw new Error(`${a} takes no value`);
        if (o.url) throw new Error(`only one URL, got "${o.url.href}" and "${a}"`);
        o.url = new URL(a.includes('://') ? a : `http://${a}`);
    }
  }
  if (!o.url) throw new Error('missing URL');
  if (!Number.isInteger(o.c) || o.c < 1) throw new Error('-c must be a positive integer');
  return o as Options;
}

interface Result {
  calls: number;
  latenciesS: number[];
  codes: Map<number, number>;
  sockets: number;
}

/**
 * Waits ms, or until stop is aborted (SIGINT/SIGTERM), so a stop is not held up by a client's pacing
 * wait. The abort ends the wait; it is not an error here.
 */
async function pause(ms: number, stop: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: stop });
  } catch (err) {
    if (!stop.aborted) throw err;
  }
}

/** One fortio "thread": a keep-alive connection sending calls on its share of the schedule. */
async function runClient(o: Options, share: number, deadline: number, calls: number | undefined, res: Result, stop: AbortSignal): Promise<void> {
  const agent = o.keepalive ? new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }) : false;
  const start = performance.now();
  let done = 0;
  let nextAt = start;
  while (!stop.aborted && (calls !== undefined ? done < calls : o.durationMs === 0 || performance.now() < deadline)) {
    // With a swing the rate never drops below MIN_QPS (0 would mean "max speed").
    const rate = (o.qps > 0 ? Math.max(MIN_QPS, o.qps + o.swing * Math.sin((2 * Math.PI * (Date.now() % o.periodMs)) / o.periodMs)) : 0) / share;
    if (rate > 0) {
      const wait = nextAt - performance.now();
      if (wait > 0) await pause(wait, stop);
      nextAt = Math.max(nextAt + 1000 / Math.max(rate, 0.01), performance.now() - 1000 / Math.max(rate, 0.01));
      if (stop.aborted || (calls === undefined && o.durationMs !== 0 && performance.now() >= deadline)) break;
    }
    const t0 = performance.now();
    const code = await call(o, agent, res);
    res.latenciesS.push((performance.now() - t0) / 1000);
    // A run without end (background traffic) keeps only recent samples, so its memory stays bounded.
    if (res.latenciesS.length > MAX_SAMPLES) res.latenciesS.splice(0, MAX_SAMPLES / 2);
    res.codes.set(code, (res.codes.get(code) ?? 0) + 1);
    res.calls++;
    done++;
  }
  if (agent) agent.destroy();
}

function call(o: Options, agent: Agent | false, res: Result): Promise<number> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (code: number) => {
      if (!settled) {
        settled = true;
        resolve(code);
      }
    };
    const req = request(o.url, { agent, timeout: o.timeoutMs, headers: { 'user-agent': 'patchbay-load/0.1 (fortio-like)', ...(agent ? {} : { connection: 'close' }) } }, (r) => {
      r.resume();
      r.on('end', () => settle(r.statusCode ?? -1));
      r.on('error', () => settle(-1));
    });
    req.on('socket', (s: Socket) => {
      if (s.connecting) res.sockets++;
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => settle(-1));
    req.end();
  });
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`load: ${(e as Error).message}\n${HELP}`);
    process.exit(1);
  }
  const forever = o.n === undefined && o.durationMs === 0;
  const perClient = o.n === undefined ? undefined : Math.floor(o.n / o.c);
  const say = (s: string) => process.stdout.write(s);
  say(`Fortio-like load (patchbay) running at ${o.qps > 0 ? o.qps : 'max'} queries per second, ${o.c} connection(s), ${o.n !== undefined ? `${o.n} calls` : forever ? 'until interrupted' : `for ${o.durationMs / 1000}s`}: ${o.url.href}\n`);
  const res: Result = { calls: 0, latenciesS: [], codes: new Map(), sockets: 0 };
  const stop = new AbortController();
  // Each client's pacing wait listens for the abort: without this, more than 10 clients make Node warn of a leak.
  setMaxListeners(o.c, stop.signal);
  const onStop = () => stop.abort();
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  const t0 = performance.now();
  const deadline = t0 + o.durationMs;
  await Promise.all(
    Array.from({ length: o.c }, (_, i) => runClient(o, o.c, deadline, perClient === undefined ? undefined : perClient + (i < (o.n ?? 0) % o.c ? 1 : 0), res, stop.signal)),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  const total = res.calls;
  const achieved = total / elapsedS;
  const summary = summarize(res.latenciesS);
  say(`Ended after ${elapsedS.toFixed(6)}s : ${total} calls. qps=${achieved.toFixed(4)}\n`);
  say(`Requested qps: ${o.qps > 0 ? o.qps : 'max'}, achieved qps: ${achieved.toFixed(4)}\n`);
  if (!o.quiet) say(renderSummary('Aggregated Function Time', summary));
  say(`Sockets used: ${res.sockets} (for perfect keepalive, would be ${o.c})\n`);
  for (const [code, n] of [...res.codes].sort((a, b) => a[0] - b[0])) {
    say(`Code ${code} : ${n} (${((100 * n) / total).toFixed(1)} %)\n`);
  }
  say(`All done ${total} calls ${(summary.avg * 1000).toFixed(3)} ms avg, ${achieved.toFixed(1)} qps\n`);
  if (o.json) {
    const doc = {
      Labels: 'patchbay load',
      URL: o.url.href,
      RequestedQPS: o.qps > 0 ? String(o.qps) : 'max',
      ActualQPS: achieved,
      ActualDuration: Math.round(elapsedS * 1e9),
      NumThreads: o.c,
      DurationHistogram: {
        Count: summary.count, Min: summary.min, Max: summary.max, Sum: summary.sum, Avg: summary.avg, StdDev: summary.stddev,
        Data: summary.buckets.map((b) => ({ Start: b.start, End: b.end, Percent: b.percent, Count: b.count })),
        Percentiles: summary.percentiles.map((p) => ({ Percentile: p.percentile, Value: p.value })),
      },
      RetCodes: Object.fromEntries(res.codes),
      SocketCount: res.sockets,
    };
    const text = JSON.stringify(doc, null, 2) + '\n';
    if (o.json === '-') say(text);
    else writeFileSync(o.json, text);
  }
}

void main();

/**
 * `npm run bench:terminal`: how fast terminals are through the gateway, printed as a table.
 *
 * The gateway runs in its own process (as in production); this process is the client: it parses
 * output with @xterm/headless and acks from the write callback, like the browser.
 *   1. Throughput, newline-dense (`yes`) and long lines: bare pty (read only), bare pty + headless
 *      parse (the ceiling for a parsing client), and through the gateway to a parsing and to a
 *      non-parsing client; medians of THROUGHPUT_RUNS interleaved runs.
 *   2. Ctrl-C to prompt during a flood, several tries: p50 and max.
 *   3. Keystroke echo round trip with 100 terminals all typing: p50 and p99; and with 50 (the figure
 *      the lab sandbox's cost is measured by, before and after).
 *   4. Gateway memory (RSS) per idle terminal, shells excluded (they are other processes).
 *   5. Enter to the next prompt on a bare pty, bash alone and with the gateway's prompt hook (its
 *      marks and the terminal-mode restore, src/terminal/promptMarks.ts): what the hook costs a prompt.
 *   6. Fork bomb: one terminal's echo p99, quiet and while a fork bomb (`:(){ :|:& };:`) runs in another
 *      terminal, which its cgroup's pids.max stops (TerminalLimits.pidsMax).
 *   7. Screen copies: gateway RSS before, with 32 terminals of 1000x500 full of output, and after they
 *      end and the screen worker has gone idle.
 * `--only throughput,ctrl-c,echo,echo-50,memory,prompt,fork-bomb,screens` runs some of the parts (all by default).
 * BENCH_CPU_PROFILE=DIR writes the gateway's V8 CPU profiles (one per thread) into DIR.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import xtermHeadless from '@xterm/headless';
import { createGateway } from '../src/server/createGateway.ts';
import { LocalTargetResolver } from '../src/terminal/LocalTargetResolver.ts';
import { onLoopbackIp, signIn, TerminalTestClient, type GatewayAddress } from '../test/helpers/gateway.ts';
import { cpuTicks, cpuTicksOf, Stat, threads } from '../test/helpers/procfs.ts';
import { withPromptMarks } from '../src/terminal/promptMarks.ts';
import { median, percentile } from './stats.ts';
import { machineJiffies, printTable } from './machine.ts';

const DENSE_BYTES = 10_000_000;
const LONG_BYTES = 30_000_000;
/** A long line: 4000 characters, then a newline. */
const LONG_LINE_CMD = `yes "$(head -c 4000 /dev/zero | tr '\\0' x)"`;
const THROUGHPUT_CASES = [
  ['newline-dense (yes)', `yes | head -c ${DENSE_BYTES}`],
  ['long lines (4000 chars)', `${LONG_LINE_CMD} | head -c ${LONG_BYTES}`],
] as const;
/** Runs of each throughput measure; the median is reported. */
const THROUGHPUT_RUNS = 3;
const CTRL_C_TRIES = 10;
const ECHO_TERMINALS = 100;
/** The sandbox's cost is measured on echo with this many active terminals. */
const ECHO_TERMINALS_SANDBOX = 50;
/** Seconds of echo measured on one terminal, quiet and again during the fork bomb. */
const BOMB_ECHO_SECONDS = 20;
/** The classic fork bomb; the terminal's pids.max stops it. */
const FORK_BOMB = ':(){ :|:& };:';
/** Big screen copies: this many terminals of 1000x500, each filled with more lines than it keeps. */
const BIG_SCREENS = 32;
const ECHO_SECONDS = 10;
/** Typing before measuring: first-time costs (JIT, heap growth, bash's first redisplays) are not echo latency. */
const ECHO_WARMUP_SECONDS = 2;
/** Pause between one terminal's keystrokes: a fast typist (~12 keys/s), 100 of them at once. */
const ECHO_GAP_MS = 80;
const IDLE_TERMINALS = 100;
/** Empty command lines per shell for the prompt hook's cost, after PROMPT_WARMUP ones not counted. */
const PROMPT_LINES = 300;
const PROMPT_WARMUP = 20;
const PROMPT = 'PBPROMPT> ';
/** USER_HZ: 100 on Linux. */
const CLOCK_TICKS = 100;

const { Terminal: Headless } = xtermHeadless;

const PARTS = ['throughput', 'ctrl-c', 'echo', 'echo-50', 'memory', 'prompt', 'fork-bomb', 'screens'] as const;
const only = process.argv.find((a, i) => process.argv[i - 1] === '--only')?.split(',');
const unknownPart = only?.find((p) => !(PARTS as readonly string[]).includes(p));
if (unknownPart !== undefined) {
  console.error(`bench:terminal: unknown part "${unknownPart}" in --only; known: ${PARTS.join(', ')}`);
  process.exit(2);
}
/** Part of the bench to run (`--only a,b`; all by default). */
function wanted(part: (typeof PARTS)[number]): boolean {
  return !only || only.includes(part);
}

// ---- gateway process -------------------------------------------------------------------------
if (process.argv.includes('--serve')) {
  const workspace = mkdtempSync(join(tmpdir(), 'pba-bench-ws-'));
  const gateway = await createGateway({
    port: 0,
    resolver: new LocalTargetResolver({ workspace }),
    cgroupParent: `pba-bench-${randomBytes(4).toString('hex')}`,
    limits: { maxTerminalsPerSession: 1000, maxTerminals: 1000 },
    // The screens part waits for the idle worker to end: a short idle time keeps the bench short.
    screenWorkerIdleMs: 2000,
  });
  // The sign-in link, as `patchbay serve` prints it: the client signs in through it like a learner.
  process.send!({ port: gateway.port, signInUrl: gateway.signInUrl });
  process.on('SIGTERM', () => {
    void gateway.close().then(() => {
      rmSync(workspace, { recursive: true, force: true });
      process.exit(0);
    });
  });
} else {
  await main();
}

// ---- client side -----------------------------------------------------------------------------
async function startGatewayProcess(): Promise<{ child: ChildProcess; gw: GatewayAddress }> {
  // BENCH_CPU_PROFILE=DIR: the gateway writes V8 CPU profiles (main thread and screen worker) into DIR.
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  // glibc keeps the screen worker's freed lines (12 KB each at 1000 columns) in its arena; with this
  // threshold they are mapped on their own and go back to the system when the copies end (README).
  const env = { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? 'glibc.malloc.mmap_threshold=8192' };
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx', ...profile], stdio: 'inherit', env });
  const { port, signInUrl } = await new Promise<{ port: number; signInUrl: string }>((resolve) => child.once('message', resolve));
  const url = `http://127.0.0.1:${port}`;
  return { child, gw: { url, origin: url, cookie: await signIn(onLoopbackIp(signInUrl)) } };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  return cpuTicks(pid) / CLOCK_TICKS;
}

/** CPU seconds per thread name (several threads can share one, e.g. V8's GC helpers). */
function cpuByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const { tid, name, stat } of threads(pid)) {
    // Node names its threads alike; the screen worker is the one that lowered its priority.
    const label = tid === pid ? 'main' : Number(stat[Stat.nice]) > 0 ? 'screen worker' : name;
    byName.set(label, (byName.get(label) ?? 0) + cpuTicksOf(stat) / CLOCK_TICKS);
  }
  return byName;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function barePty(cmd: string, parse: boolean): Promise<number> {
  const screen = parse ? new Headless({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true }) : null;
  const started = performance.now();
  let bytes = 0;
  const p = pty.spawn('/bin/bash', ['--norc', '--noprofile', '-c', cmd], { cols: 80, rows: 24, env: { PATH: '/usr/bin:/bin', TERM: 'xterm-256color' }, encoding: null });
  let pending = 0;
  await new Promise<void>((resolve) => {
    let exited = false;
    const maybeDone = () => exited && pending === 0 && resolve();
    p.onData((d) => {
      const data = d as unknown as Buffer;
      bytes += data.length;
      if (screen) {
        pending++;
        // Same flow control as the gateway: stop reading while the parser is behind.
        if (pending > 20) p.pause();
        screen.write(data, () => {
          pending--;
          if (pending < 5) p.resume();
          maybeDone();
        });
      }
    });
    p.onExit(() => {
      exited = true;
      maybeDone();
    });
  });
  screen?.dispose();
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

interface GatewayRun {
  mbps: number;
  megabytes: number;
  /** CPU seconds per MB delivered: the gateway process, and this client (parse + ack). */
  gatewayCpuPerMb: number;
  /** Of which the gateway's main thread (the event loop; the rest is mostly the screen worker). */
  gatewayMainCpuPerMb: number;
  clientCpuPerMb: number;
  /** Gateway CPU ms per MB by thread name, largest first. */
  gatewayThreads: string;
}

async function viaGateway(gw: GatewayAddress, gatewayPid: number, id: string, cmd: string, parse = true): Promise<GatewayRun> {
  const t = await TerminalTestClient.open(gw, id, { parse });
  t.type(`PS1='${PROMPT}'\r`);
  await t.waitForText(PROMPT);
  await t.settled();
  t.mark();
  const startBytes = t.parsed;
  const gatewayCpu = cpuSeconds(gatewayPid);
  const threadsBefore = cpuByThread(gatewayPid);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  t.type(`${cmd}; echo END""MARK\r`);
  await t.waitForText(/ENDMARK\r\n/, 300_000);
  await t.settled();
  const seconds = (performance.now() - started) / 1000;
  const megabytes = (t.parsed - startBytes) / 1e6;
  const client = process.cpuUsage(clientCpu);
  const threadsAfter = cpuByThread(gatewayPid);
  const threads = [...threadsAfter]
    .map(([name, cpu]) => [name, ((cpu - (threadsBefore.get(name) ?? 0)) * 1000) / megabytes] as const)
    .filter(([, ms]) => ms >= 1)
    .sort((a, b) => b[1] - a[1]);
  const run = {
    gatewayThreads: threads.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', '),
    mbps: megabytes / seconds,
    megabytes,
    gatewayCpuPerMb: (cpuSeconds(gatewayPid) - gatewayCpu) / megabytes,
    gatewayMainCpuPerMb: ((threadsAfter.get('main') ?? 0) - (threadsBefore.get('main') ?? 0)) / megabytes,
    clientCpuPerMb: (client.user + client.system) / 1e6 / megabytes,
  };
  await t.close();
  return run;
}

async function ctrlC(gw: GatewayAddress): Promise<number[]> {
  const t = await TerminalTestClient.open(gw, 'ctrl-c');
  t.type(`PS1='${PROMPT}'\r`);
  await t.waitForText(PROMPT);
  const times: number[] = [];
  for (let i = 0; i < CTRL_C_TRIES; i++) {
    t.mark();
    t.type('yes\r');
    const at = t.received;
    await t.waitFor(() => t.received > at + 2_000_000, 60_000);
    t.mark();
    const started = performance.now();
    t.type('\x03');
    await t.waitFor(() => t.text.endsWith(PROMPT) && t.text.includes('^C'), 60_000);
    await t.settled();
    times.push(performance.now() - started);
  }
  await t.close();
  return times;
}

async function echo(gw: GatewayAddress, count = ECHO_TERMINALS, name = 'echo', seconds = ECHO_SECONDS): Promise<{ samples: number[]; machineBusy: number }> {
  const clients: TerminalTestClient[] = [];
  for (let i = 0; i < count; i++) {
    const t = await TerminalTestClient.open(gw, `${name}-${i}`, { parse: false });
    t.type(`PS1='${PROMPT}'\r`);
    clients.push(t);
  }
  await Promise.all(clients.map((t) => t.waitForText(PROMPT, 60_000)));
  const samples: number[] = [];
  const measureFrom = performance.now() + ECHO_WARMUP_SECONDS * 1000;
  const until = measureFrom + seconds * 1000;
  let before = machineJiffies();
  setTimeout(() => (before = machineJiffies()), ECHO_WARMUP_SECONDS * 1000);
  await Promise.all(
    clients.map(async (t, i) => {
      await new Promise((r) => setTimeout(r, (i * ECHO_GAP_MS) / count));
      let n = 0;
      while (performance.now() < until) {
        const key = 'abcdefghij'[n++ % 10]!;
        t.mark();
        const started = performance.now();
        t.type(key);
        await t.waitFor(() => t.text.includes(key), 10_000);
        if (started >= measureFrom) samples.push(performance.now() - started);
        // Keep the line short: clear it every 40 keys.
        if (n % 40 === 0) {
          t.type('\x15');
          await new Promise((r) => setTimeout(r, ECHO_GAP_MS));
        }
        await new Promise((r) => setTimeout(r, ECHO_GAP_MS));
      }
    }),
  );
  const after = machineJiffies();
  await Promise.all(clients.map((t) => t.close()));
  return { samples, machineBusy: (after.busy - before.busy) / (after.total - before.total) };
}

/** One terminal's echo, quiet and while a fork bomb runs in another terminal (ended by `exit` afterwards). */
async function forkBomb(gw: GatewayAddress): Promise<{ quiet: number[]; bombed: number[]; bombLines: number }> {
  const quiet = (await echo(gw, 1, 'bomb-quiet', BOMB_ECHO_SECONDS)).samples;
  const bomb = await TerminalTestClient.open(gw, 'bomb', { parse: false });
  bomb.type(`PS1='${PROMPT}'\r`);
  await bomb.waitForText(PROMPT, 30_000);
  bomb.mark();
  bomb.type(`${FORK_BOMB}\r`);
  // Until the cap refuses forks (bash says so), so the measure is taken at the bomb's worst.
  await bomb.waitFor(() => /fork: (retry: )?Resource temporarily unavailable/.test(bomb.text), 60_000);
  const bombed = (await echo(gw, 1, 'bomb-echo', BOMB_ECHO_SECONDS)).samples;
  const bombLines = bomb.text.split('Resource temporarily unavailable').length - 1;
  // The bomb's shell exits; its terminal ends and its cgroup is killed whole.
  bomb.type('exit\r');
  await bomb.closed;
  return { quiet, bombed, bombLines };
}

/** Gateway RSS before, with BIG_SCREENS full 1000x500 terminals, and once they ended and the worker idled. */
async function bigScreens(gw: GatewayAddress, gatewayPid: number): Promise<{ before: number; during: number; after: number }> {
  const before = rssBytes(gatewayPid);
  const clients: TerminalTestClient[] = [];
  for (let i = 0; i < BIG_SCREENS; i++) {
    const t = await TerminalTestClient.open(gw, `big-${i}`, { parse: false, cols: 1000, rows: 500 });
    // Long lines, more than the copy keeps: every cell of it is written.
    t.type(`for i in $(seq 1 1500); do printf '%0999d\\n' $i; done; echo "fil""led"\r`);
    clients.push(t);
  }
  await Promise.all(clients.map((t) => t.waitForText('filled', 120_000)));
  await new Promise((r) => setTimeout(r, 3000));
  const during = rssBytes(gatewayPid);
  for (const t of clients) t.type('exit\r');
  await Promise.all(clients.map((t) => t.closed));
  // The worker ends 2 s after its last copy (screenWorkerIdleMs above); then the heap is returned.
  await new Promise((r) => setTimeout(r, 6000));
  return { before, during, after: rssBytes(gatewayPid) };
}

async function idleMemory(gw: GatewayAddress, gatewayPid: number): Promise<{ before: number; after: number; perTerminal: number }> {
  // One terminal first, so the screen worker's own start-up is not counted per terminal.
  const warm = await TerminalTestClient.open(gw, 'idle-warm-up', { parse: false });
  await warm.waitFor(() => warm.received > 0, 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  const before = rssBytes(gatewayPid);
  const clients: TerminalTestClient[] = [];
  for (let i = 0; i < IDLE_TERMINALS; i++) {
    const t = await TerminalTestClient.open(gw, `idle-${i}`, { parse: false });
    clients.push(t);
  }
  await Promise.all(clients.map((t) => t.waitFor(() => t.received > 0, 30_000)));
  await new Promise((r) => setTimeout(r, 3000));
  const after = rssBytes(gatewayPid);
  await Promise.all([...clients, warm].map((t) => t.close()));
  return { before, after, perTerminal: (after - before) / IDLE_TERMINALS };
}

/**
 * Milliseconds from Enter on an empty line to the whole next prompt, in a bash on a bare pty, with or
 * without the environment the gateway gives a bash (its PROMPT_COMMAND).
 */
async function promptRoundTrips(hook: boolean): Promise<number[]> {
  const home = mkdtempSync(join(tmpdir(), 'pba-bench-home-'));
  const base = { TERM: 'xterm-256color', PATH: '/usr/bin:/bin', HOME: home, PS1: PROMPT };
  const spec = { host: 'local', file: '/bin/bash', args: ['--norc', '--noprofile', '-i'], env: base, cwd: home, shell: '/bin/bash', user: 'root', workdir: home };
  const p = pty.spawn(spec.file, spec.args, { cols: 80, rows: 24, cwd: home, env: hook ? withPromptMarks(spec).env : base });
  let prompts = 0;
  let wake: (() => void) | null = null;
  p.onData((d) => {
    prompts += d.split(PROMPT).length - 1;
    wake?.();
  });
  const promptCount = async (n: number) => {
    while (prompts < n) await new Promise<void>((r) => (wake = r));
  };
  try {
    await promptCount(1);
    const times: number[] = [];
    for (let i = 0; i < PROMPT_WARMUP + PROMPT_LINES; i++) {
      const started = performance.now();
      p.write('\r');
      await promptCount(i + 2);
      if (i >= PROMPT_WARMUP) times.push(performance.now() - started);
    }
    return times;
  } finally {
    p.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
}

/** The item whose key is the median (the run whose other figures are reported with it). */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

async function main(): Promise<void> {
  const rows: [string, string, string][] = [];
  const add = (what: string, value: string, target: string) => {
    rows.push([what, value, target]);
    console.log(`  ${what}: ${value}`);
  };
  console.log('bench:terminal (gateway in its own process; this process parses and acks like a browser)');
  const { child, gw } = await startGatewayProcess();
  try {
    for (const [name, cmd] of wanted('throughput') ? THROUGHPUT_CASES : []) {
      // Each measure THROUGHPUT_RUNS times, interleaved, and the median taken: a single run of a few
      // seconds on a shared 2-core machine swings by 10 % or more.
      const bares: number[] = [];
      const bareParseds: number[] = [];
      const runs: GatewayRun[] = [];
      const unparseds: GatewayRun[] = [];
      for (let i = 0; i < THROUGHPUT_RUNS; i++) {
        bares.push(await barePty(cmd, false));
        bareParseds.push(await barePty(cmd, true));
        runs.push(await viaGateway(gw, child.pid!, `tp-${name.length}-${i}`, cmd));
        // The same to a client that acks without parsing: what the gateway itself can carry.
        unparseds.push(await viaGateway(gw, child.pid!, `tp-raw-${name.length}-${i}`, cmd, false));
      }
      const bare = median(bares);
      const bareParsed = median(bareParseds);
      const run = medianBy(runs, (r) => r.mbps);
      const unparsed = medianBy(unparseds, (r) => r.mbps);
      const gateway = run.mbps;
      add(`${name}: bare pty`, `${bare.toFixed(1)} MB/s`, '');
      add(`${name}: bare pty + headless parse`, `${bareParsed.toFixed(1)} MB/s`, '');
      add(`${name}: via gateway, parsed + acked`, `${gateway.toFixed(1)} MB/s`, '');
      add(`${name}: gateway / bare pty`, `${((gateway / bare) * 100).toFixed(0)} %`, '>= 90 %');
      add(`${name}: gateway / bare pty + parse`, `${((gateway / bareParsed) * 100).toFixed(0)} %`, '');
      add(
        `${name}: via gateway, acked unparsed / bare pty`,
        `${unparsed.mbps.toFixed(1)} MB/s = ${((unparsed.mbps / bare) * 100).toFixed(0)} %`,
        'the gateway\'s own ceiling',
      );
      // Load-independent: CPU per MB. On an idle 2-core machine the slower of the two sets the pace.
      add(
        `${name}: CPU ms per MB: gateway (its event loop) / client`,
        `${(run.gatewayCpuPerMb * 1000).toFixed(0)} (${(run.gatewayMainCpuPerMb * 1000).toFixed(0)}) / ${(run.clientCpuPerMb * 1000).toFixed(0)}`,
        'event loop < client',
      );
      add(`${name}: gateway CPU ms per MB by thread`, run.gatewayThreads, '');
    }
    if (wanted('ctrl-c')) {
      const ctrl = await ctrlC(gw);
      add(`Ctrl-C to prompt during a flood (${CTRL_C_TRIES} tries)`, `p50 ${percentile(ctrl, 50).toFixed(0)} ms, max ${Math.max(...ctrl).toFixed(0)} ms`, '<= 100 ms');
    }
    if (wanted('echo')) {
      const { samples: echoes, machineBusy } = await echo(gw);
      add(
        `keystroke echo, ${ECHO_TERMINALS} active terminals (${echoes.length} keys)`,
        `p50 ${percentile(echoes, 50).toFixed(2)} ms, p90 ${percentile(echoes, 90).toFixed(2)} ms, p99 ${percentile(echoes, 99).toFixed(2)} ms`,
        'p99 <= 5 ms',
      );
      // Everything on the machine counts, this bench included: other work inflates the tail.
      add('  machine CPU busy during the echo window', `${(machineBusy * 100).toFixed(0)} % of all cores`, '');
    }
    if (wanted('echo-50')) {
      const { samples: echoes, machineBusy } = await echo(gw, ECHO_TERMINALS_SANDBOX, 'echo50');
      add(
        `keystroke echo, ${ECHO_TERMINALS_SANDBOX} active terminals (${echoes.length} keys)`,
        `p50 ${percentile(echoes, 50).toFixed(2)} ms, p99 ${percentile(echoes, 99).toFixed(2)} ms`,
        'sandbox: <= 110 % of before',
      );
      add('  machine CPU busy during the echo window', `${(machineBusy * 100).toFixed(0)} % of all cores`, '');
    }
    if (wanted('fork-bomb')) {
      const { quiet, bombed, bombLines } = await forkBomb(gw);
      const p99q = percentile(quiet, 99);
      const p99b = percentile(bombed, 99);
      add(`one terminal's echo, quiet (${quiet.length} keys)`, `p50 ${percentile(quiet, 50).toFixed(2)} ms, p99 ${p99q.toFixed(2)} ms`, '');
      add(`  the same during a fork bomb in another terminal (${bombed.length} keys)`, `p50 ${percentile(bombed, 50).toFixed(2)} ms, p99 ${p99b.toFixed(2)} ms`, '');
      add('  p99 during the bomb / quiet', `${(p99b / p99q).toFixed(2)}x (${bombLines} forks refused by pids.max seen)`, '<= 2x');
    }
    if (wanted('screens')) {
      // A fresh gateway: the other parts' terminals stay for their grace period and would keep the worker.
      const fresh = await startGatewayProcess();
      const mem = await bigScreens(fresh.gw, fresh.child.pid!).finally(async () => {
        fresh.child.kill('SIGTERM');
        await new Promise((r) => fresh.child.once('exit', r));
      });
      add(
        `gateway RSS with ${BIG_SCREENS} full 1000x500 terminals, and after they end`,
        `${(mem.before / 1e6).toFixed(0)} -> ${(mem.during / 1e6).toFixed(0)} -> ${(mem.after / 1e6).toFixed(0)} MB`,
        'after ~ before',
      );
    }
    if (wanted('prompt')) {
      // Interleaved halves, so a change in the machine's load falls on both.
      const bare: number[] = [];
      const hooked: number[] = [];
      for (let i = 0; i < 2; i++) {
        bare.push(...(await promptRoundTrips(false)));
        hooked.push(...(await promptRoundTrips(true)));
      }
      const figures = (t: number[]) => `p50 ${percentile(t, 50).toFixed(2)} ms, p90 ${percentile(t, 90).toFixed(2)} ms`;
      add(`Enter to the next prompt, bare bash (${bare.length} lines)`, figures(bare), '');
      add(`Enter to the next prompt, with the gateway's prompt hook`, figures(hooked), '');
      add(`  the hook's cost per prompt (p50; keystrokes are not affected)`, `${(percentile(hooked, 50) - percentile(bare, 50)).toFixed(2)} ms`, '<= 5 ms');
    }
    if (wanted('memory')) {
      // A fresh gateway process, so the heap grown by the floods above does not hide the cost.
      const fresh = await startGatewayProcess();
      const mem = await idleMemory(fresh.gw, fresh.child.pid!).finally(async () => {
        fresh.child.kill('SIGTERM');
        await new Promise((r) => fresh.child.once('exit', r));
      });
      add(
        `gateway RSS per idle terminal (${IDLE_TERMINALS} terminals)`,
        `${(mem.perTerminal / 1e6).toFixed(2)} MB (${(mem.before / 1e6).toFixed(0)} -> ${(mem.after / 1e6).toFixed(0)} MB)`,
        '<= 3 MB',
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  printTable(rows);
  console.log(`\nload average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores, shared)`);
}

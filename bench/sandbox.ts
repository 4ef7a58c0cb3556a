/**
 * What the sandboxes (src/lab/sandbox.ts) cost, against the same shells without them: the first prompt
 * of a terminal on a lab host (sandboxed: nsenter into the host's sandbox + setpriv; before: nsenter into
 * its UTS namespace + `ip netns exec`, as hostArgv did before sandboxes), echo latency with 50 shells open on that host,
 * a host's `exec` of `true`, and the bare gateway's tools shell (bwrap per terminal vs. plain bash).
 * Also how long a host's sandbox takes to start. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/sandbox.ts [--lab connections] [--host tools] [--runs 20] [--terminals 50]
 */
import * as pty from 'node-pty';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { readRecord } from '../src/lab/instanceState.ts';
import { instanceDriver } from '../src/lab/labDriver.ts';
import { netnsStateOf } from '../src/lab/netnsDriver.ts';
import { killSandboxes, startHostSandbox } from '../src/lab/sandbox.ts';
import { startLab } from '../src/lab/startLab.ts';
import type { SpawnSpec } from '../src/lab/types.ts';
import { LocalTargetResolver } from '../src/terminal/LocalTargetResolver.ts';
import { median, percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    lab: { type: 'string', default: 'connections' },
    host: { type: 'string', default: 'tools' },
    runs: { type: 'string', default: '20' },
    terminals: { type: 'string', default: '50' },
  },
});
const runs = Number(values.runs);
const terminals = Number(values.terminals);
const PREFIX = 'pbcb';

interface Term {
  term: pty.IPty;
  out: string;
  exited: Promise<void>;
}

function spawnTerm(spec: Pick<SpawnSpec, 'file' | 'args' | 'cwd' | 'env'>): Term {
  const term = pty.spawn(spec.file, spec.args, { name: 'xterm-256color', cols: 120, rows: 30, cwd: spec.cwd, env: spec.env });
  const t: Term = { term, out: '', exited: new Promise((r) => term.onExit(() => r())) };
  term.onData((d) => (t.out += d));
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Spawn to the prompt's `# ` or `$ ` at the end of the output, in ms. */
async function firstPrompt(spec: Pick<SpawnSpec, 'file' | 'args' | 'cwd' | 'env'>): Promise<number> {
  const t0 = performance.now();
  const t = spawnTerm(spec);
  await until(() => /[#$] $/.test(t.out), 'the first prompt');
  const ms = performance.now() - t0;
  t.term.kill('SIGKILL');
  await t.exited;
  return ms;
}

/** Echo latency: one key into each of the open shells in turn, keystroke to its echo. */
async function echoLatency(specOf: () => Pick<SpawnSpec, 'file' | 'args' | 'cwd' | 'env'>): Promise<number[]> {
  const open = Array.from({ length: terminals }, () => spawnTerm(specOf()));
  try {
    for (const t of open) await until(() => /[#$] $/.test(t.out), 'a prompt');
    // Every shell busy with a little output meanwhile, as learners' shells are.
    for (const t of open.slice(1)) t.term.write('while :; do date; sleep 0.2; done\r');
    await sleep(500);
    const samples: number[] = [];
    const probe = open[0]!;
    for (let i = 0; i < 200; i++) {
      const before = probe.out.length;
      const t0 = performance.now();
      probe.term.write('x');
      await until(() => probe.out.length > before && probe.out.slice(before).includes('x'), 'the echo');
      samples.push(performance.now() - t0);
      await sleep(5);
    }
    return samples;
  } finally {
    for (const t of open) t.term.kill('SIGKILL');
    await Promise.all(open.map((t) => t.exited));
  }
}

function timeExec(argv: string[], env: Record<string, string>, cwd: string): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(argv[0]!, argv.slice(1), { env, cwd, stdio: 'ignore' });
    samples.push(performance.now() - t0);
  }
  return samples;
}

const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms, p90 ${percentile(xs, 90).toFixed(1)} ms`;
const more = (after: number[], before: number[]) => `${(((median(after) - median(before)) / median(before)) * 100).toFixed(0)} %`;

const r = await startLab({ lab: values.lab!, prefix: PREFIX });
if (!r.ok) {
  console.error(r.message, r.errors);
  process.exit(1);
}
const lab = r.instance;
try {
  const record = readRecord(lab.dir)!;
  // The baseline and the scratch sandboxes use the netns driver's own names: this bench measures that driver.
  const host = netnsStateOf(record)!.hosts.find((h) => h.name === values.host)!;
  const sandboxed = lab.spawnSpecFor(host.name);
  if (!sandboxed.ok) throw new Error(sandboxed.message);
  // The same shell, user, environment and workdir without the sandbox: what entering a host ran before it.
  const plain = {
    ...sandboxed.spec,
    file: '/usr/bin/nsenter',
    args: [`--uts=${host.utsFile}`, '--', '/usr/sbin/ip', 'netns', 'exec', host.netns, sandboxed.spec.shell],
    env: { ...sandboxed.spec.env, HOME: join(host.hostDir, 'home') },
  };

  console.log(`lab ${lab.name}, host ${host.name}, ${runs} runs each`);
  const starts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const scratch = mkdtempSync(join(tmpdir(), 'pbcb-sandbox-'));
    // A host's sandbox on its own, in the host's namespaces (the runtime starts one per host, in parallel).
    const t0 = performance.now();
    const s = await startHostSandbox({
      name: host.name,
      netns: host.netns,
      utsFile: host.utsFile,
      hostDir: scratch,
      hostsFile: `/etc/netns/${host.netns}/hosts`,
      programsDir: join(process.cwd(), 'build', 'programs'),
      labDir: join(process.cwd(), 'labs', lab.name),
      projectDir: process.cwd(),
      logFile: join(scratch, 'sandbox.log'),
      recordFile: join(scratch, 'sandbox'),
    }).finally(() => starts.push(performance.now() - t0));
    if (s.ok) await killSandboxes([s.ref]);
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`host sandbox start: ${fmt(starts)}`);

  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < runs; i++) {
    before.push(await firstPrompt(plain));
    after.push(await firstPrompt(sandboxed.spec));
  }
  console.log(`first prompt in host ${host.name}: before ${fmt(before)}; sandboxed ${fmt(after)} (+${more(after, before)})`);

  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  const execBefore = timeExec(['/usr/bin/nsenter', `--uts=${host.utsFile}`, '--', '/usr/sbin/ip', 'netns', 'exec', host.netns, '/bin/true'], env, host.hostDir);
  const entry = instanceDriver(record).enter(host.name, ['/bin/true'], { user: null });
  const execAfter = timeExec([entry.file, ...entry.args], env, entry.cwd);
  console.log(`exec true in host ${host.name}: before ${fmt(execBefore)}; sandboxed ${fmt(execAfter)} (+${more(execAfter, execBefore)})`);

  const echoBefore = await echoLatency(() => plain);
  const echoAfter = await echoLatency(() => sandboxed.spec);
  console.log(
    `echo with ${terminals} shells on host ${host.name}: before p50 ${median(echoBefore).toFixed(2)} ms, p99 ${percentile(echoBefore, 99).toFixed(2)} ms; ` +
      `sandboxed p50 ${median(echoAfter).toFixed(2)} ms, p99 ${percentile(echoAfter, 99).toFixed(2)} ms`,
  );

  const workspace = mkdtempSync(join(tmpdir(), 'pbcb-ws-'));
  try {
    const local = new LocalTargetResolver({ workspace }).resolve({ target: 'tools' });
    if (!local.ok) throw new Error(local.message);
    const bare = { file: local.spec.shell, args: ['-l'], cwd: workspace, env: { ...local.spec.env, HOME: workspace } };
    const lb: number[] = [];
    const la: number[] = [];
    for (let i = 0; i < runs; i++) {
      lb.push(await firstPrompt(bare));
      la.push(await firstPrompt(local.spec));
    }
    console.log(`first prompt of the bare gateway's tools shell: before ${fmt(lb)}; sandboxed ${fmt(la)} (+${more(la, lb)})`);
  } finally {
    rmSync(workspace, { recursive: true, force: true, maxRetries: 10 });
  }
} finally {
  await lab.stop();
}

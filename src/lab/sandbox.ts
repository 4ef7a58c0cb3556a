/**
 * The sandbox of a lab host, and of the bare gateway's `tools` shell: bubblewrap (Debian's `bubblewrap`)
 * gives it its own PID, mount, IPC and cgroup namespaces (a lab host keeps its network and UTS namespaces;
 * the bare `tools` shell gets fresh ones), a read-only view of the system (/usr, a list of /etc files),
 * a fresh /proc with the kernel's knobs read-only except the host's own /proc/sys/net, a minimal /dev
 * with its own devpts, a private /tmp, and only the paths the host needs. Nothing of the server's files,
 * processes, environment or other instances is in it.
 *
 * A lab host's sandbox is one long-lived bwrap started with the instance's network; its PID 1 is a
 * sleeper that reaps orphans. Every process of the host (supervised processes, probes, terminals,
 * `patchbay exec`) joins it with `nsenter -t <pid> --all --root --wdns` and drops to the capabilities
 * below (see hostCommand.ts). No user namespace: the host's network namespace belongs to the machine's
 * user namespace, so a root mapped in a user namespace could not change its sysctls (lesson 4) or read
 * its conntrack table; root inside is real root with a small bounding set instead, as in Docker.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { processStartTime } from './instanceState.ts';
import { SANDBOX_HOME, SANDBOX_LABS_DIR, SANDBOX_PROGRAMS_DIR, sandboxLabDir } from './sandboxPaths.ts';

/**
 * What root keeps inside: Docker's default set without MKNOD, plus NET_ADMIN for the host's own network
 * (`sysctl -w net.…`, `conntrack`, `ip`). Without SYS_ADMIN there is no setns, mount or unshare, without
 * SYS_PTRACE and DAC_READ_SEARCH no way into another process's files.
 */
export const SANDBOX_CAPS = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'net_raw',
  'net_admin',
  'sys_chroot',
  'audit_write',
  'setfcap',
] as const;

/** /etc entries programs need (libc, name lookups, TLS, terminals, shells, `ip`); nothing secret. */
const ETC_ENTRIES = [
  'passwd', 'group', 'nsswitch.conf', 'host.conf', 'gai.conf', 'protocols', 'services', 'networks', 'rpc', 'ethertypes',
  'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'ssl', 'ca-certificates', 'alternatives', 'terminfo', 'localtime', 'timezone',
  'inputrc', 'bash.bashrc', 'profile', 'profile.d', 'bash_completion', 'bash_completion.d', 'environment', 'login.defs',
  'locale.alias', 'iproute2', 'mime.types', 'magic', 'magic.mime', 'os-release', 'debian_version', 'vim', 'nanorc',
];

/** Docker's masked /proc paths (read nothing) and read-only ones, where they exist on this kernel. */
const PROC_MASKED_FILES = ['kcore', 'keys', 'latency_stats', 'timer_list', 'timer_stats', 'sched_debug'];
const PROC_MASKED_DIRS = ['acpi', 'asound', 'scsi'];
const PROC_READ_ONLY = ['bus', 'fs', 'irq', 'sysrq-trigger'];

/** A private /tmp (and /dev/shm) is memory: bounded so one host cannot fill the machine's RAM with it. */
const TMPFS_BYTES = 512 * 1024 * 1024;

export function bwrapPath(): string | null {
  return existsSync('/usr/bin/bwrap') ? '/usr/bin/bwrap' : null;
}

/** The parts every sandbox shares: system directories, /etc, /proc, /dev, /tmp. */
function baseArgs(options: { writableNet: boolean }): string[] {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${top}`;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    // Merged /usr (Debian 12): the top-level directories are links into /usr.
    if (stat.isSymbolicLink()) args.push('--symlink', `usr/${top}`, path);
    else args.push('--ro-bind', path, path);
  }
  // /usr/local holds the machine's own tools (its docker, terraform, …), not the lab's.
  args.push('--tmpfs', '/usr/local');
  const node = process.execPath;
  if (!node.startsWith('/usr/bin/') && !node.startsWith('/bin/')) args.push('--ro-bind', node, node);
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  args.push('--symlink', '../proc/self/mounts', '/etc/mtab');

  args.push('--proc', '/proc');
  // bwrap covers /proc/sys only when it runs unprivileged; here every knob of the machine is read-only,
  // and the host's own network knobs (which the kernel resolves per network namespace) writable.
  args.push('--ro-bind', '/proc/sys', '/proc/sys');
  if (options.writableNet) args.push('--bind', '/proc/sys/net', '/proc/sys/net');
  for (const f of PROC_MASKED_FILES) if (existsSync(`/proc/${f}`)) args.push('--ro-bind', '/dev/null', `/proc/${f}`);
  for (const d of PROC_MASKED_DIRS) if (existsSync(`/proc/${d}`)) args.push('--perms', '0555', '--tmpfs', `/proc/${d}`);
  for (const p of PROC_READ_ONLY) if (existsSync(`/proc/${p}`)) args.push('--ro-bind', `/proc/${p}`, `/proc/${p}`);

  // A fresh /dev: null, zero, random, tty…, and a devpts of its own (no other terminal's /dev/pts/N).
  args.push('--dev', '/dev');
  args.push('--perms', '1777', '--size', String(TMPFS_BYTES), '--tmpfs', '/dev/shm');
  args.push('--perms', '1777', '--size', String(TMPFS_BYTES), '--tmpfs', '/tmp');
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-cgroup');
  return args;
}

/** What a lab host's sandbox shows besides the system: its own files, programs and lab directory. */
export interface HostSandboxSpec {
  name: string;
  netns: string;
  utsFile: string;
  /** The host's directory (process files, Prometheus' data, its home): writable, at the same path. */
  hostDir: string;
  /** The host's /etc/hosts (`/etc/netns/<ns>/hosts`), bound writable over /etc/hosts. */
  hostsFile: string;
  /** build/programs, shown read-only at SANDBOX_PROGRAMS_DIR. */
  programsDir: string;
  labDir: string;
  projectDir: string;
  /** Where bwrap's own errors go. */
  logFile: string;
  /** Where its PID is written; default sandboxFile(utsFile), which hostArgv reads. */
  recordFile?: string;
}

/**
 * A lab inside the project shows its sibling labs too (the test fixtures run `${LAB_DIR}/../mini/web.mjs`);
 * a lab from elsewhere shows only its own directory, never its parent's other files.
 */
function labDirBind(spec: HostSandboxSpec): [string, string] {
  const parent = dirname(spec.labDir);
  const inside = relative(spec.projectDir, parent);
  const inProject = inside !== '' && !inside.startsWith('..') && !inside.startsWith('/');
  return inProject ? [parent, SANDBOX_LABS_DIR] : [spec.labDir, sandboxLabDir(spec.labDir)];
}

/**
 * Challenge files hold the reference answers and hints, task files the checks and solutions
 * (tasks.ts): a learner's shell sees an empty file instead.
 */
const ANSWER_FILES = ['challenges.yaml', 'tasks.yaml'];

function hiddenAnswers(source: string, target: string): string[] {
  const own = ANSWER_FILES.some((f) => existsSync(join(source, f)));
  const dirs = own ? [''] : readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  return dirs.flatMap((dir) => ANSWER_FILES.filter((f) => existsSync(join(source, dir, f))).flatMap((f) => ['--ro-bind', '/dev/null', join(target, dir, f)]));
}

export function hostSandboxArgs(spec: HostSandboxSpec): string[] {
  const home = join(spec.hostDir, 'home');
  const [labSource, labTarget] = labDirBind(spec);
  return [
    ...baseArgs({ writableNet: true }),
    '--bind', spec.hostDir, spec.hostDir,
    '--bind', home, SANDBOX_HOME,
    '--bind', spec.hostsFile, '/etc/hosts',
    ...(existsSync(spec.programsDir) ? ['--ro-bind', spec.programsDir, SANDBOX_PROGRAMS_DIR] : []),
    '--ro-bind', labSource, labTarget,
    ...hiddenAnswers(labSource, labTarget),
    // Everything above is mounted: the root itself (bwrap's tmpfs) is read-only from here on.
    '--remount-ro', '/',
    '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin',
    '--cap-drop', 'ALL',
    '--chdir', '/',
    // PID 1 of the host is this sleeper: the kernel ignores signals its own namespace sends it (so a
    // learner's `kill -9 1` or `pkill sleep` cannot end the host), and sh reaps orphaned jobs.
    '--as-pid-1',
    '--info-fd', '3',
    '--', '/bin/sh', '-c', 'echo ready; exec >/dev/null; while :; do sleep infinity; done',
  ];
}

export interface SandboxRef {
  pid: number;
  startTime: string;
}

/** Next to the host's UTS file, outside anything a sandbox shows (a host could rewrite its own dir). */
export function sandboxFile(utsFile: string): string {
  return utsFile.replace(/\.uts$/, '') + '.sandbox';
}

/** The host's running sandbox, or null (not started, or gone: a recorded PID now used by another process is not it). */
export function readSandbox(utsFile: string): SandboxRef | null {
  let text: string;
  try {
    text = readFileSync(sandboxFile(utsFile), 'utf8');
  } catch {
    return null;
  }
  const [pid, startTime] = text.trim().split(' ');
  const ref = { pid: Number(pid), startTime: startTime ?? '' };
  return Number.isInteger(ref.pid) && ref.pid > 0 && processStartTime(ref.pid) === ref.startTime ? ref : null;
}

const SANDBOX_START_TIMEOUT_MS = 10_000;

/**
 * Starts a host's sandbox inside its network and UTS namespaces and resolves once its mounts are set
 * up (its PID 1 printed `ready`), with the PID (in the machine's namespace) that processes join.
 */
export function startHostSandbox(spec: HostSandboxSpec): Promise<{ ok: true; ref: SandboxRef } | { ok: false; message: string }> {
  const bwrap = bwrapPath();
  if (!bwrap) return Promise.resolve({ ok: false, message: 'bubblewrap (/usr/bin/bwrap) is not installed: run scripts/setup.sh' });
  mkdirSync(join(spec.hostDir, 'home'), { recursive: true });
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/nsenter', [`--net=/run/netns/${spec.netns}`, `--uts=${spec.utsFile}`, '--', bwrap, ...hostSandboxArgs(spec)], {
      stdio: ['ignore', 'pipe', log, 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      // Its own process group: nothing aimed at the runtime's group reaches the host.
      detached: true,
    });
    closeSync(log);
    let out = '';
    let info = '';
    let done = false;
    const finish = (result: { ok: true; ref: SandboxRef } | { ok: false; message: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout!.destroy();
      (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
      child.unref();
      resolve(result);
    };
    const check = () => {
      const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
      if (!out.includes('ready\n') || !pid) return;
      const startTime = processStartTime(Number(pid));
      if (startTime === null) return finish({ ok: false, message: `the sandbox of host ${spec.name} exited at once` });
      const ref = { pid: Number(pid), startTime };
      writeFileSync(spec.recordFile ?? sandboxFile(spec.utsFile), `${ref.pid} ${ref.startTime}\n`);
      finish({ ok: true, ref });
    };
    const timer = setTimeout(() => finish({ ok: false, message: `the sandbox of host ${spec.name} did not start within ${SANDBOX_START_TIMEOUT_MS} ms (see ${spec.logFile})` }), SANDBOX_START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      info += d.toString();
      check();
    });
    child.on('error', (err) => finish({ ok: false, message: `starting the sandbox of host ${spec.name} failed: ${err.message}` }));
    child.on('exit', (code) => {
      let why = '';
      try {
        why = readFileSync(spec.logFile, 'utf8').trim().split('\n').at(-1) ?? '';
      } catch {
        // No log.
      }
      finish({ ok: false, message: `the sandbox of host ${spec.name} exited with code ${code}${why ? `: ${why}` : ''}` });
    });
  });
}

/** How long a killed sandbox may take to end: its PID 1 exits once every process in it is reaped. */
const SANDBOX_EXIT_TIMEOUT_MS = 5_000;

/**
 * Ends sandboxes: SIGKILL to a sandbox's PID 1 makes the kernel kill every process in its PID namespace,
 * and with them go its mounts and namespaces. Only PIDs that are still the recorded process. Resolves
 * once each has exited, which is after every process in it has (the kernel holds PID 1 until then).
 */
export async function killSandboxes(refs: readonly SandboxRef[], files: readonly string[] = []): Promise<void> {
  const alive = (ref: SandboxRef) => processStartTime(ref.pid) === ref.startTime;
  let left = refs.filter(alive);
  for (const ref of left) {
    try {
      process.kill(ref.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + SANDBOX_EXIT_TIMEOUT_MS;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    left = left.filter(alive);
  }
  for (const f of files) rmSync(f, { force: true });
}

/** Arguments for the bare gateway's `tools` shell (see LocalTargetResolver): one sandbox per terminal. */
export function localSandboxArgs(options: { workspace: string; cwd: string }): string[] {
  const privileged = process.getuid?.() === 0;
  return [
    ...baseArgs({ writableNet: true }),
    '--bind', options.workspace, SANDBOX_HOME,
    '--remount-ro', '/',
    // Its own network (loopback only) and UTS namespace, keeping the machine's hostname.
    '--unshare-net', '--unshare-uts',
    // As root, bwrap keeps no capability unless told; without root it maps the user in a user namespace.
    ...(privileged ? ['--cap-drop', 'ALL', ...SANDBOX_CAPS.flatMap((c) => ['--cap-add', `CAP_${c.toUpperCase()}`])] : []),
    '--die-with-parent',
    '--chdir', options.cwd,
  ];
}

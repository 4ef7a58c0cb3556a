/**
 * The `netns` driver: one bridge per instance in the root namespace, and per host a network namespace,
 * a veth pair (the host's end is `eth0`), an address from the instance's /24, a persistent UTS namespace
 * holding its hostname, an `/etc/netns/<ns>/hosts` file, loopback up, an nft table whose `ct state` rule
 * makes the kernel track every connection in that namespace (loopback included), its sysctls, and
 * last the host's sandbox (sandbox.ts), in which every process of the host then runs.
 *
 * Why a bridge in the root namespace rather than a separate "switch" namespace: the gateway and the
 * checker (root namespace) reach Prometheus and the hosts directly through the bridge's `.254` address,
 * with no extra veth or proxy hop. The bridge name carries the instance id, so it is removed with it.
 *
 * Every name is written to the instance record before it is created, so `destroyNetwork` (or the next
 * start, after a SIGKILL) removes exactly what exists, and errors for what does not are ignored.
 *
 * All of this is the driver's own: the rest of the runtime sees `netnsDriver` (the `LabDriver` of
 * labDriver.ts) and an opaque `driverState` in the instance record, which only `netnsState()` reads.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostArgv } from './hostCommand.ts';
import type { InstanceRecord } from './instanceState.ts';
import type { DriverResult, HostCommand, LabDriver } from './labDriver.ts';
import { killNamespaceProcesses, netnsInode } from './namespaceProcesses.ts';
import type { LabPlan, PlannedHost } from './plan.ts';
import { runCommand } from './runCommand.ts';
import { killSandboxes, readSandbox, sandboxFile, startHostSandbox } from './sandbox.ts';
import { SANDBOX_HOME } from './sandboxPaths.ts';

/** Everything of an instance in the root namespace and on disk that teardown removes. */
export interface NetworkRecord {
  bridge: string | null;
  veths: string[];
  netns: string[];
  /** Inode of each namespace when created (informational: once a namespace is gone its inode may be reused). */
  netnsInodes: number[];
  utsFiles: string[];
  etcNetns: string[];
  /**
   * Each host's sandbox (sandbox.ts): the PID every process of the host joins, and its start time so a
   * reused PID is never taken for it. Absent in records written before sandboxes existed.
   */
  sandboxes?: { host: string; pid: number; startTime: string }[];
}

/** How a command enters one host: its namespaces (the sandbox's PID file sits by its UTS file) and its directory. */
export interface NetnsHost {
  name: string;
  netns: string;
  utsFile: string;
  hostDir: string;
}

/** The netns driver's `driverState` in an instance record. */
export interface NetnsState {
  network: NetworkRecord;
  hosts: NetnsHost[];
}

/** Per-host files (its hosts file), in the layout `ip netns exec` reads; the host's sandbox binds it over /etc/hosts. */
const ETC_NETNS = '/etc/netns';

/**
 * Conntrack is per namespace and only runs once a rule needs it: a `ct state` match on both the
 * prerouting and output hooks tracks inbound, outbound and loopback connections. Accept-only.
 */
const CONNTRACK_RULESET = `table inet patchbay {
  chain prerouting { type filter hook prerouting priority -150; ct state new,established,related,invalid,untracked counter; }
  chain output { type filter hook output priority -150; ct state new,established,related,invalid,untracked counter; }
}
`;

export function emptyNetworkRecord(): NetworkRecord {
  return { bridge: null, veths: [], netns: [], netnsInodes: [], utsFiles: [], etcNetns: [], sandboxes: [] };
}

/**
 * Creates the network. `record` is filled in (and `save` called) before each thing is created.
 */
export async function createNetwork(plan: LabPlan, record: NetworkRecord, save: () => void): Promise<DriverResult> {
  record.bridge = plan.bridge;
  for (const h of plan.hosts) {
    record.netns.push(h.netns);
    record.veths.push(h.veth);
    record.utsFiles.push(h.utsFile);
    record.etcNetns.push(join(ETC_NETNS, h.netns));
  }
  save();

  for (const h of plan.hosts) {
    mkdirSync(join(ETC_NETNS, h.netns), { recursive: true });
    writeFileSync(join(ETC_NETNS, h.netns, 'hosts'), h.hostsFile);
    mkdirSync(h.hostDir, { recursive: true });
    mkdirSync(dirname(h.utsFile), { recursive: true });
    writeFileSync(h.utsFile, '');
  }

  // One `ip` process for everything in the root namespace: far cheaper than one per link.
  const batch = [
    ...plan.hosts.map((h) => `netns add ${h.netns}`),
    `link add ${plan.bridge} type bridge`,
    `addr add ${plan.bridgeAddress}/24 dev ${plan.bridge}`,
    `link set ${plan.bridge} up`,
    ...plan.hosts.flatMap((h) => [`link add ${h.veth} type veth peer name eth0 netns ${h.netns}`, `link set ${h.veth} master ${plan.bridge} up`]),
  ].join('\n');
  const ip = await runCommand('ip', ['-batch', '-'], { input: `${batch}\n` });
  if (ip.code !== 0) return { ok: false, message: `creating the lab network failed: ${ip.stderr.trim() || `ip exited ${ip.code}`}` };
  for (const h of plan.hosts) {
    const ino = netnsInode(h.netns);
    if (ino !== null) record.netnsInodes.push(ino);
  }
  save();

  const results = await Promise.all(plan.hosts.map((h) => setUpHost(h)));
  const failed = results.find((r) => !r.ok);
  if (failed) return failed;

  // Each host's sandbox (sandbox.ts), inside its network and UTS namespaces; every process joins it.
  const sandboxes = await Promise.all(
    plan.hosts.map((h) =>
      startHostSandbox({
        name: h.name,
        netns: h.netns,
        utsFile: h.utsFile,
        hostDir: h.hostDir,
        hostsFile: join(ETC_NETNS, h.netns, 'hosts'),
        programsDir: plan.programsDir,
        labDir: plan.labDir,
        projectDir: plan.projectDir,
        logFile: join(plan.dir, 'logs', h.name, 'sandbox.log'),
      }),
    ),
  );
  record.sandboxes ??= [];
  sandboxes.forEach((s, i) => {
    if (s.ok) record.sandboxes!.push({ host: plan.hosts[i]!.name, ...s.ref });
  });
  save();
  const notStarted = sandboxes.find((s) => !s.ok);
  return notStarted ?? { ok: true };
}

/** Inside the host: hostname (in a new, persisted UTS namespace), addresses, conntrack, sysctls. */
async function setUpHost(h: PlannedHost): Promise<DriverResult> {
  const sysctls = Object.entries(h.sysctls).map(([k, v]) => `sysctl -qw ${shellQuote(`${k}=${v}`)}`);
  const script = [
    'set -e',
    `hostname ${shellQuote(h.name)}`,
    'ip link set lo up',
    `ip addr add ${h.address}/24 dev eth0`,
    'ip link set eth0 up',
    `nft -f - <<'PATCHBAY_NFT'\n${CONNTRACK_RULESET}PATCHBAY_NFT`,
    ...sysctls,
  ].join('\n');
  const r = await runCommand('unshare', [`--uts=${h.utsFile}`, '--', 'nsenter', `--net=/run/netns/${h.netns}`, '--', 'sh', '-c', script]);
  return r.code === 0 ? { ok: true } : { ok: false, message: `setting up host ${h.name} failed: ${r.stderr.trim() || `exit ${r.code}`}` };
}

/**
 * Removes everything in the record: processes still inside the namespaces, veths, the bridge, the
 * namespaces, the UTS mounts and the /etc/netns files. Idempotent; missing things are fine.
 */
export async function destroyNetwork(record: NetworkRecord): Promise<void> {
  // Sandboxes first: killing each one's PID 1 ends every process of that host at once. A runtime killed
  // before it recorded them still left their files next to the UTS files.
  const fromFiles = record.utsFiles.map((f) => readSandbox(f)).filter((r) => r !== null);
  await killSandboxes([...(record.sandboxes ?? []), ...fromFiles], record.utsFiles.map(sandboxFile));
  // Only namespaces still mounted under our names: a mounted namespace's inode is pinned. A recorded
  // inode whose namespace is gone may already belong to someone else's new namespace (inodes are reused).
  const inodes = new Set<number>();
  for (const ns of record.netns) {
    const ino = netnsInode(ns);
    if (ino !== null) inodes.add(ino);
  }
  await killNamespaceProcesses(inodes);
  // Deleting the veth synchronously removes its peer; `netns del` alone frees links asynchronously.
  const batch = [...record.veths.map((v) => `link del ${v}`), ...(record.bridge ? [`link del ${record.bridge}`] : []), ...record.netns.map((n) => `netns del ${n}`)];
  if (batch.length) await runCommand('ip', ['-force', '-batch', '-'], { input: `${batch.join('\n')}\n` });
  // One umount for all hosts (it takes several targets); files that are not mounts just fail.
  if (record.utsFiles.length) await runCommand('umount', record.utsFiles);
  for (const f of record.utsFiles) rmSync(f, { force: true });
  for (const d of record.etcNetns) if (d.startsWith(`${ETC_NETNS}/`)) rmSync(d, { recursive: true, force: true });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function newNetnsState(plan: LabPlan): NetnsState {
  return { network: emptyNetworkRecord(), hosts: plan.hosts.map((h) => ({ name: h.name, netns: h.netns, utsFile: h.utsFile, hostDir: h.hostDir })) };
}

/**
 * Reads a netns driver state, or null when `state` is not one (another driver's, or damaged). A record
 * written before drivers kept their own state is itself one: its `network` and its hosts' `netns`,
 * `utsFile` and `hostDir` are these fields (instanceDriver() passes such a record as the state).
 */
export function netnsState(state: unknown): NetnsState | null {
  const s = state as Partial<NetnsState> | null;
  if (!s || typeof s !== 'object' || !isNetworkRecord(s.network) || !Array.isArray(s.hosts)) return null;
  if (!s.hosts.every((h) => typeof h?.name === 'string' && typeof h.netns === 'string' && typeof h.utsFile === 'string' && typeof h.hostDir === 'string')) return null;
  return s as NetnsState;
}

/** The netns state of an instance record (old or new), for tests and benches that look at its namespaces. */
export function netnsStateOf(record: InstanceRecord | null): NetnsState | null {
  return record && netnsState(record.driverState ?? record);
}

function isNetworkRecord(n: unknown): n is NetworkRecord {
  const r = n as NetworkRecord | undefined;
  return !!r && typeof r === 'object' && Array.isArray(r.veths) && Array.isArray(r.netns) && Array.isArray(r.utsFiles) && Array.isArray(r.etcNetns);
}

function stateOf(state: unknown): NetnsState {
  const s = netnsState(state);
  if (!s) throw new Error('not a netns driver state');
  return s;
}

/**
 * Entering a host (hostCommand.ts: nsenter into its sandbox, setpriv to the user). The local spawn starts
 * in the workdir when the machine has that path too (as /root, /tmp and / are), else in the host's
 * directory: nsenter then enters the workdir inside the sandbox. With no workdir: the host's directory.
 * A shell as root gets the host's own home, which the sandbox mounts at /root.
 */
function enterHost(state: unknown, host: string, argv: string[], options: Parameters<LabDriver['enter']>[3]): HostCommand {
  const h = stateOf(state).hosts.find((x) => x.name === host);
  if (!h) return { file: '/bin/sh', args: ['-c', `echo "patchbay: no lab host ${host} in this instance" >&2; exit 127`], cwd: '/', env: {} };
  const workdir = options.workdir ?? h.hostDir;
  const [file, ...args] = hostArgv(h, argv, options.user, { cwd: workdir });
  const env: Record<string, string> = {};
  if (options.shell && options.user?.uid === 0) {
    hostHome(h.hostDir);
    env.HOME = SANDBOX_HOME;
  }
  return { file: file!, args, cwd: existsSync(workdir) ? workdir : h.hostDir, env };
}

/** The rc file of a lab host's own home: a prompt naming the host, nothing of the machine's dotfiles. */
const HOST_BASHRC = `# Written by Patchbay for this lab host; edit freely, it lasts as long as the lab instance.
PS1='\\u@\\h:\\w\\$ '
alias ls='ls --color=auto'
alias grep='grep --color=auto'
`;

/**
 * Root's shells on a lab host get a home of the host's own (its rc file, its history), as a container
 * would, instead of the machine's /root: that one's dotfiles belong to the machine (here they run pyenv,
 * which can stall every new shell for a minute) and would be shared by every host and instance. The
 * host's sandbox mounts it at /root.
 */
export function hostHome(hostDir: string): string {
  const home = join(hostDir, 'home');
  if (!existsSync(join(home, '.bashrc'))) {
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.bashrc'), HOST_BASHRC);
    writeFileSync(join(home, '.profile'), '[ -f ~/.bashrc ] && . ~/.bashrc\n');
  }
  return home;
}

export const netnsDriver: LabDriver = {
  name: 'netns',
  newState: newNetnsState,
  create: (plan, state, save) => createNetwork(plan, stateOf(state).network, save),
  destroy: async (state) => {
    const s = netnsState(state);
    if (s) await destroyNetwork(s.network);
  },
  enter: enterHost,
};

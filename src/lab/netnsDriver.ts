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
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { killNamespaceProcesses, netnsInode } from './namespaceProcesses.ts';
import type { LabPlan, PlannedHost } from './plan.ts';
import type { NetworkRecord } from './instanceState.ts';
import { runCommand } from './runCommand.ts';
import { killSandboxes, readSandbox, sandboxFile, startHostSandbox } from './sandbox.ts';

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

export type DriverResult = { ok: true } | { ok: false; message: string };

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

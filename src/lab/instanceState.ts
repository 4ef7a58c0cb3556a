/**
 * What an instance keeps on disk under the runtime root (`/run/patchbay/<id>/state.json`): what its
 * driver created (in the driver's own shape), its hosts, its processes, its health, and the PID (plus start time, so
 * a reused PID is not mistaken for it) of the runtime that owns it. Written before anything is
 * created, so an instance whose runtime died (SIGKILL) can always be found and removed.
 * The CLI (`status`, `exec`, `logs`, `down`) reads it from another process.
 */
import { randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from '../definitions/closest.ts';
import type { LabHealth } from '../protocol/health.ts';
import type { TerminalPolicy } from './plan.ts';
import { SUBNET_BASE } from './plan.ts';
import { processStartTime, selfIdentity } from '../terminal/processIdentity.ts';

const execFileAsync = promisify(execFile);

export const DEFAULT_RUNTIME_DIR = '/run/patchbay';
export const DEFAULT_PREFIX = 'pb';
/** Interface names are at most 15 bytes: prefix (≤5) + 6 random hex + `v` + host index (≤2) + slack. */
export const MAX_PREFIX_LENGTH = 5;
const SUBNETS = 256;
/** Machine-wide, whatever the runtime dir: every runtime on the machine shares the 10.213.N.0/24 space. */
export const SUBNET_CLAIMS_DIR = '/run/patchbay/subnets';

export function runtimeDirFrom(option?: string): string {
  return option ?? process.env.PATCHBAY_RUNTIME_DIR ?? DEFAULT_RUNTIME_DIR;
}

export interface HostRecord {
  name: string;
  /** Other names of the host (lab.yaml `aliases`); absent in records written before they existed. */
  aliases?: string[];
  address: string;
  env: Record<string, string>;
  terminal: TerminalPolicy;
}

export interface InstanceRecord {
  id: string;
  prefix: string;
  lab: string;
  labFile: string;
  /** Which driver created it (see labDriver.ts). */
  driver?: string;
  dir: string;
  subnetIndex: number;
  runtime: { pid: number; startTime: string };
  /** The instance's cgroup (instanceCgroup.ts), relative to each controller's root; null or absent: none. */
  cgroup?: string | null;
  createdAt: string;
  /**
   * What the driver created and needs to enter hosts, in its own shape (netnsDriver.ts' `NetnsState`); only
   * the driver reads it. Absent in records written before drivers kept their own state: those are netns
   * records with the same fields in the record itself (`network`, the hosts' `netns`, `utsFile`, `hostDir`).
   */
  driverState?: unknown;
  hosts: HostRecord[];
  processes: Record<string, { host: string; name: string; pid: number | null; logFile: string }>;
  prometheusUrl: string | null;
  health: LabHealth | null;
}

export function newInstanceId(prefix: string): string {
  if (!/^[a-z][a-z0-9]{0,4}$/.test(prefix)) throw new Error(`instance prefix must be 1-${MAX_PREFIX_LENGTH} lowercase letters or digits, got "${prefix}"`);
  return `${prefix}${randomBytes(3).toString('hex')}`;
}

/** Lab runtimes and gateways name themselves alike, by PID and start time. */
export { processStartTime };

export function isRuntimeAlive(record: InstanceRecord): boolean {
  return processStartTime(record.runtime.pid) === record.runtime.startTime;
}

/** This runtime, as its instances record it. */
export const selfRuntime = selfIdentity;

export function writeRecord(record: InstanceRecord): void {
  const tmp = join(record.dir, `.state.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(record, null, 1));
  renameSync(tmp, join(record.dir, 'state.json'));
}

export function readRecord(dir: string): InstanceRecord | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as InstanceRecord;
  } catch {
    return null;
  }
}

/** `no lab instance X in DIR`, with the instance probably meant. */
export function noInstanceMessage(runtimeDir: string, id: string): string {
  const meant = didYouMean(id, listInstances(runtimeDir).map((r) => r.id));
  return `no lab instance ${id} in ${runtimeDir}${meant ? `; did you mean ${meant}?` : ''}`;
}

export function listInstances(runtimeDir: string): InstanceRecord[] {
  let names: string[];
  try {
    names = readdirSync(runtimeDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n !== 'subnets')
    .map((n) => readRecord(join(runtimeDir, n)))
    .filter((r): r is InstanceRecord => r !== null)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Claims a free 10.213.N.0/24: atomically (mkdir) against other runtimes, and skipping any N the root
 * namespace already has an address in (another tool's network, or a dead instance's bridge).
 */
export function claimSubnet(id: string, used: ReadonlySet<number> = usedSubnets()): number | null {
  const dir = SUBNET_CLAIMS_DIR;
  mkdirSync(dir, { recursive: true });
  const start = randomBytes(1)[0]!; // spread instances so a just-freed subnet is not reused at once
  for (let i = 0; i < SUBNETS; i++) {
    const n = (start + i) % SUBNETS;
    if (used.has(n)) continue;
    try {
      mkdirSync(join(dir, String(n)));
    } catch {
      if (!reclaimIfStale(join(dir, String(n)))) continue;
      try {
        mkdirSync(join(dir, String(n)));
      } catch {
        continue; // another runtime reclaimed it first
      }
    }
    writeFileSync(join(dir, String(n), 'owner'), id);
    return n;
  }
  return null;
}

/** A claim older than this whose instance has no bridge is left by a runtime that died before releasing it. */
const STALE_CLAIM_MS = 60_000;

function reclaimIfStale(claim: string): boolean {
  try {
    const owner = readFileSync(join(claim, 'owner'), 'utf8');
    const age = Date.now() - statSync(claim).mtimeMs;
    // The bridge (`<id>br`) exists from a moment after the claim until teardown.
    if (age < STALE_CLAIM_MS || existsSync(`/sys/class/net/${owner}br`)) return false;
    rmSync(claim, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

export function releaseSubnet(n: number, id: string): void {
  const claim = join(SUBNET_CLAIMS_DIR, String(n));
  try {
    if (readFileSync(join(claim, 'owner'), 'utf8') === id) rmSync(claim, { recursive: true, force: true });
  } catch {
    // Not ours or already gone.
  }
}

function usedSubnets(): Set<number> {
  try {
    return subnetsIn(execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }));
  } catch {
    // Without `ip` nothing can start anyway; the driver reports that.
    return new Set();
  }
}

/**
 * The same without blocking the caller's thread (`ip addr` takes 20-30 ms on a busy machine): what a
 * start in the gateway passes to claimSubnet, so other learners' terminals are not stalled meanwhile.
 */
export async function usedSubnetsAsync(): Promise<Set<number>> {
  try {
    return subnetsIn((await execFileAsync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })).stdout);
  } catch {
    return new Set();
  }
}

function subnetsIn(ipAddrOutput: string): Set<number> {
  const used = new Set<number>();
  for (const m of ipAddrOutput.matchAll(new RegExp(`inet ${SUBNET_BASE.replace('.', '\\.')}\\.(\\d+)\\.`, 'g'))) used.add(Number(m[1]));
  return used;
}

/**
 * Planning: a validated lab plus an instance's identity → every name, address, path, argv and
 * environment the driver and the supervisor need, and the start order. Pure: no disk, no processes,
 * so it is tested on its own.
 */
import { join } from 'node:path';
import { baseEnv, lookupUser } from './labEnv.ts';
import type { LoadedLab } from './loadLab.ts';
import { prometheusArgs, prometheusConfig, prometheusUrl } from './prometheusConfig.ts';
import { SANDBOX_PROGRAMS_DIR, sandboxLabDir } from './sandboxPaths.ts';
import type { ProbeSpec, TerminalPolicySpec } from './schema.ts';
import { dependencyId, PROMETHEUS_PROCESS, substitute } from './validate.ts';

/** The instance's /24 is 10.213.N.0/24: a private range unlikely to clash with a machine's own networks. */
export const SUBNET_BASE = '10.213';
/** The root namespace's address on the bridge: the gateway reaches hosts (e.g. Prometheus) through it. */
export const BRIDGE_OCTET = 254;

export interface InstanceIdentity {
  id: string;
  /** N in 10.213.N.0/24. */
  subnetIndex: number;
  /** Directory of this instance (state, per-host dirs, logs). */
  dir: string;
}

export interface TerminalPolicy {
  users: string[];
  shells: string[];
  /** Empty: the user's home. */
  workdirs: string[];
}

export interface PlannedHost {
  name: string;
  /** Other names terminals and lessons may use for it; every host's /etc/hosts resolves them too. */
  aliases: string[];
  index: number;
  address: string;
  netns: string;
  /** Host-side veth name in the root namespace (the peer is `eth0` in the host). */
  veth: string;
  /** Bind mount that keeps the host's UTS namespace (its hostname) alive. */
  utsFile: string;
  hostDir: string;
  /** Lab variables and host env (no user-specific parts). */
  env: Record<string, string>;
  sysctls: Record<string, string>;
  hostsFile: string;
  terminal: TerminalPolicy;
}

export interface PlannedFile {
  path: string;
  content?: string;
  /** Copy from the lab dir, with `${VAR}`s substituted from `vars`. */
  from?: string;
  vars?: Record<string, string>;
  mode?: number;
}

export interface PlannedProcess {
  /** `host/name`. */
  id: string;
  host: string;
  name: string;
  argv: string[];
  env: Record<string, string>;
  files: PlannedFile[];
  workdir: string;
  user: string;
  probe: ProbeSpec | null;
  restart: 'always' | 'on-failure' | 'never';
  backoff: { initial: number; max: number };
  dependsOn: string[];
  logFile: string;
}

export interface LabPlan {
  lab: string;
  labDir: string;
  /** Shown to hosts read-only at the sandbox's own paths (sandbox.ts). */
  programsDir: string;
  projectDir: string;
  id: string;
  dir: string;
  subnet: string;
  bridge: string;
  bridgeAddress: string;
  hosts: PlannedHost[];
  /** In start order: every process after all of its dependencies. */
  processes: PlannedProcess[];
  prometheusUrl: string | null;
  /** The lab Prometheus' scrape interval (its config's `scrape_interval`), or null without one. */
  scrapeIntervalSeconds: number | null;
}

const DEFAULT_TERMINAL: TerminalPolicySpec = { users: ['root'], shells: ['/bin/bash'] };

export function planLab(lab: LoadedLab, identity: InstanceIdentity): LabPlan {
  const { id, subnetIndex, dir } = identity;
  const spec = lab.spec;
  const prefix = `${SUBNET_BASE}.${subnetIndex}`;
  const hostNames = Object.keys(spec.hosts);

  // Fixed octets first, then the rest in definition order from .1 up.
  const taken = new Set(hostNames.map((h) => spec.hosts[h]!.address).filter((a): a is number => a !== undefined));
  let next = 1;
  const octets = new Map<string, number>();
  for (const h of hostNames) {
    const fixed = spec.hosts[h]!.address;
    if (fixed !== undefined) octets.set(h, fixed);
    else {
      while (taken.has(next)) next++;
      taken.add(next);
      octets.set(h, next);
    }
  }
  const addressOf = (h: string) => `${prefix}.${octets.get(h)}`;
  const promUrl = spec.prometheus ? prometheusUrl(addressOf(spec.prometheus.host), spec.prometheus.port) : null;

  const hosts: PlannedHost[] = hostNames.map((name, index) => {
    const h = spec.hosts[name]!;
    const hostDir = join(dir, 'hosts', name);
    const vars = hostVariables(lab, identity, name, addressOf(name), hostDir, promUrl);
    const policy = { ...DEFAULT_TERMINAL, ...spec.terminal, ...h.terminal };
    return {
      name,
      aliases: h.aliases,
      index,
      address: addressOf(name),
      netns: `${id}-${name}`,
      veth: `${id}v${index}`,
      utsFile: join(dir, 'ns', `${name}.uts`),
      hostDir,
      env: { ...spec.variables, ...mapValues(h.env, (v) => substitute(v, vars)) },
      sysctls: h.sysctls,
      hostsFile: hostsFile(name, hostNames.map((n) => [addressOf(n), n, ...spec.hosts[n]!.aliases])),
      terminal: { users: policy.users ?? ['root'], shells: policy.shells ?? ['/bin/bash'], workdirs: policy.workdirs ?? [] },
    };
  });

  const processes: PlannedProcess[] = [];
  for (const host of hosts) {
    const h = spec.hosts[host.name]!;
    const vars = hostVariables(lab, identity, host.name, host.address, host.hostDir, promUrl);
    for (const [name, p] of Object.entries(h.processes)) {
      const user = p.user ?? 'root';
      processes.push({
        id: `${host.name}/${name}`,
        host: host.name,
        name,
        argv: p.command.map((a) => substitute(a, vars)),
        env: { ...baseEnv(lookupUser(user), host.name), ...host.env, ...mapValues(p.env, (v) => substitute(v, vars)) },
        files: Object.entries(p.files).map(([path, f]) =>
          typeof f === 'string'
            ? { path: join(host.hostDir, path), content: substitute(f, vars) }
            : {
                path: join(host.hostDir, path),
                ...(f.content !== undefined ? { content: substitute(f.content, vars) } : {}),
                ...(f.from !== undefined ? { from: join(lab.labDir, f.from), vars } : {}),
                ...(f.mode !== undefined ? { mode: parseInt(f.mode, 8) } : {}),
              },
        ),
        workdir: p.workdir ? substitute(p.workdir, vars) : host.hostDir,
        user,
        probe: p.ready ? substituteProbe(p.ready, vars) : null,
        restart: p.restart,
        backoff: p.backoff,
        dependsOn: p.dependsOn.map((d) => dependencyId(host.name, d)),
        logFile: join(dir, 'logs', host.name, `${name}.log`),
      });
    }
    if (spec.prometheus?.host === host.name) {
      const prom = spec.prometheus;
      processes.push({
        id: `${host.name}/${PROMETHEUS_PROCESS}`,
        host: host.name,
        name: PROMETHEUS_PROCESS,
        argv: ['/usr/bin/prometheus', ...prometheusArgs(prom, host.hostDir)],
        env: { ...baseEnv(lookupUser('root'), host.name), ...host.env },
        files: [{ path: join(host.hostDir, 'prometheus.yml'), content: prometheusConfig(prom) }],
        workdir: host.hostDir,
        user: 'root',
        probe: {
          http: `http://127.0.0.1:${prom.port}/prometheus/-/ready`,
          interval: 100,
          timeout: 1000,
          startTimeout: 30_000,
        } as ProbeSpec,
        restart: 'always',
        backoff: { initial: 250, max: 8000 },
        dependsOn: [],
        logFile: join(dir, 'logs', host.name, `${PROMETHEUS_PROCESS}.log`),
      });
    }
  }

  return {
    lab: lab.name,
    labDir: lab.labDir,
    programsDir: lab.programsDir,
    projectDir: lab.projectDir,
    id,
    dir,
    subnet: `${prefix}.0/24`,
    bridge: `${id}br`,
    bridgeAddress: `${prefix}.${BRIDGE_OCTET}`,
    hosts,
    // Prometheus first: its first scrape waits on its own discovery tick (~5 s in 2.42), so it should
    // start that clock before anything else.
    processes: startOrder([...processes.filter((p) => p.name === PROMETHEUS_PROCESS && p.host === spec.prometheus?.host), ...processes.filter((p) => !(p.name === PROMETHEUS_PROCESS && p.host === spec.prometheus?.host))]),
    prometheusUrl: promUrl,
    scrapeIntervalSeconds: spec.prometheus ? spec.prometheus.scrapeInterval / 1000 : null,
  };
}

function hostVariables(lab: LoadedLab, identity: InstanceIdentity, host: string, address: string, hostDir: string, promUrl: string | null): Record<string, string> {
  return {
    ...lab.spec.variables,
    LAB: lab.name,
    // Where hosts see them: every process and command runs in the host's sandbox.
    LAB_DIR: sandboxLabDir(lab.labDir),
    PROGRAMS: SANDBOX_PROGRAMS_DIR,
    INSTANCE: identity.id,
    INSTANCE_DIR: identity.dir,
    HOST: host,
    HOST_DIR: hostDir,
    ADDRESS: address,
    PROMETHEUS_URL: promUrl ?? '',
  };
}

function substituteProbe(probe: ProbeSpec, vars: Record<string, string>): ProbeSpec {
  return {
    ...probe,
    ...(probe.http !== undefined ? { http: substitute(probe.http, vars) } : {}),
    ...(probe.tcp !== undefined ? { tcp: substitute(probe.tcp, vars) } : {}),
    ...(probe.command !== undefined ? { command: probe.command.map((a) => substitute(a, vars)) } : {}),
  };
}

/** Stable topological order (Kahn), keeping definition order among independent processes. */
export function startOrder(processes: PlannedProcess[]): PlannedProcess[] {
  const done = new Set<string>();
  const out: PlannedProcess[] = [];
  let remaining = processes;
  while (remaining.length) {
    const ready = remaining.filter((p) => p.dependsOn.every((d) => done.has(d)));
    if (!ready.length) throw new Error(`dependency cycle among ${remaining.map((p) => p.id).join(', ')} (validateSpec should have caught it)`);
    for (const p of ready) {
      out.push(p);
      done.add(p.id);
    }
    remaining = remaining.filter((p) => !done.has(p.id));
  }
  return out;
}

/** The host's /etc/hosts: every host of the lab by name, its own name also on loopback-free eth0. */
/** `hosts`: per host its address, then its names (name first, then aliases). */
function hostsFile(self: string, hosts: string[][]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...hosts.map(([address, ...names]) => `${address}\t${names.join(' ')}`)];
  return `# Written by the Patchbay lab runtime for host ${self}\n${lines.join('\n')}\n`;
}

function mapValues(record: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

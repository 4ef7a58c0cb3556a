/**
 * How the netns driver enters a lab host for anything (a supervised process, a probe, a terminal,
 * `patchbay exec`), which reach it only through `LabDriver.enter()` (netnsDriver.ts): nsenter
 * joins every namespace of the host's sandbox (sandbox.ts: network, UTS, PID, mount, IPC, cgroup), its
 * root and, inside it, the working directory; setpriv then keeps only the sandbox's capabilities and
 * drops to the user. Each step execs the next, except that nsenter forks once (entering a PID namespace
 * needs it): the caller's PID is nsenter's parent, which waits for the program and exits as it did, and
 * the program dies with it.
 */
import { findProgram } from './loadLab.ts';
import type { UserInfo } from './labEnv.ts';
import { readSandbox, SANDBOX_CAPS } from './sandbox.ts';

export interface HostNamespaces {
  netns: string;
  utsFile: string;
}

let tools: { nsenter: string; setpriv: string } | null = null;
function hostTools() {
  tools ??= {
    nsenter: findProgram('nsenter') ?? '/usr/bin/nsenter',
    setpriv: findProgram('setpriv') ?? '/usr/bin/setpriv',
  };
  return tools;
}

/** The exit status of a command whose host has no running sandbox (as `env` uses for "cannot run"). */
export const NO_SANDBOX_EXIT = 126;

/**
 * `options.cwd`: the working directory inside the host (default `/`); it is resolved after entering the
 * sandbox's root, never in the caller's file system.
 */
export function hostArgv(host: HostNamespaces, argv: string[], user?: UserInfo | null, options: { cwd?: string } = {}): string[] {
  const t = hostTools();
  const sandbox = readSandbox(host.utsFile);
  // Never fall back to running unsandboxed: a host whose sandbox is gone runs nothing.
  if (!sandbox) return ['/bin/sh', '-c', `echo "patchbay: the sandbox of lab host ${host.netns} is not running" >&2; exit ${NO_SANDBOX_EXIT}`];
  const caps = `-all,${SANDBOX_CAPS.map((c) => `+${c}`).join(',')}`;
  const identity = user && user.uid !== 0 ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups'] : [];
  return [
    t.nsenter, `--target=${sandbox.pid}`, '--all', '--root', `--wdns=${options.cwd ?? '/'}`, '--',
    // The program dies with nsenter's waiting parent (the PID callers hold and signal), not reparented.
    t.setpriv, `--bounding-set=${caps}`, '--inh-caps=-all', ...identity, '--pdeathsig=SIGKILL', '--',
    ...argv,
  ];
}
